#include "init.hpp"

int main(int argc, char** argv) { return runit::main(argc, argv); }
