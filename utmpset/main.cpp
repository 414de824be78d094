#include "utmpset.hpp"

int main(int argc, char** argv) { return utmpset::main(argc, argv); }
