#include "sv.hpp"

int main(int argc, char** argv) { return sv::main(argc, argv); }
