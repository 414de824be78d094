#include "supervisor.hpp"

int main(int argc, char** argv) { return runsv::main(argc, argv); }
