// Checks that an ELF executable is fully static: no PT_INTERP (no dynamic
// loader) and no PT_DYNAMIC (no shared-library dependency). Exit 0 if so.
#include <elf.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: elf_check FILE\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < sizeof(Elf64_Ehdr) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0 ||
      bytes[EI_CLASS] != ELFCLASS64) {
    std::fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]);
    return 1;
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
    std::fprintf(stderr, "%s: not an executable\n", argv[1]);
    return 1;
  }
  int bad = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    std::size_t off = eh.e_phoff + std::size_t(i) * eh.e_phentsize;
    if (off + sizeof(Elf64_Phdr) > bytes.size()) {
      std::fprintf(stderr, "%s: truncated program headers\n", argv[1]);
      return 1;
    }
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + off, sizeof ph);
    if (ph.p_type == PT_INTERP) {
      std::fprintf(stderr, "%s: has PT_INTERP (needs a dynamic loader)\n", argv[1]);
      ++bad;
    }
    if (ph.p_type == PT_DYNAMIC) {
      std::fprintf(stderr, "%s: has PT_DYNAMIC (links shared libraries)\n", argv[1]);
      ++bad;
    }
  }
  if (bad == 0) std::printf("%s: static, %u program headers\n", argv[1], eh.e_phnum);
  return bad == 0 ? 0 : 1;
}
