#include "chpst.hpp"

int main(int argc, char** argv) { return chpst::main(argc, argv); }
