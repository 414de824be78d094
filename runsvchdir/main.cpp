#include "runsvchdir.hpp"

int main(int argc, char** argv) { return runsvchdir::main(argc, argv); }
