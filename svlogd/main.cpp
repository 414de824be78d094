#include "logger.hpp"

int main(int argc, char** argv) { return svlogd::main(argc, argv); }
