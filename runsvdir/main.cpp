#include "runsvdir.hpp"

int main(int argc, char** argv) { return runsvdir::main(argc, argv); }
