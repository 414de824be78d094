#include "runit_init.hpp"

int main(int argc, char** argv) { return runit::init_main(argc, argv); }
