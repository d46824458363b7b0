#!/usr/bin/python3
"""Let a shared library load against an older libstdc++ by marking unmet version needs weak.

Usage:
    /usr/bin/python3 tests/benchmarks/weaken_verneed.py LIBRARY [--against /path/to/libstdc++.so.6] [--check]

Why: TorchSharp 0.107's libLibTorchSharp.so was linked with GCC 13 and so asks for the version
GLIBCXX_3.4.32 of libstdc++.so.6; Debian 12's libstdc++ stops at GLIBCXX_3.4.30 and the loader refuses
the library ("version `GLIBCXX_3.4.32' not found"). The only symbol tagged with that version is
std::ios_base_library_init, a marker that GCC 13's <iostream> references so that the linker pulls in the
stream initialisation: nothing calls it and no relocation names it. A shim library that defines it
does not help: glibc checks a version need against the file named in the need (libstdc++.so.6), not
against whichever object defines the symbol.

What it does: for each version that LIBRARY needs from the library named like --against's SONAME and
that --against does not define, it checks that no relocation of LIBRARY refers to a symbol of that
version, then sets VER_FLG_WEAK on the need. glibc accepts a weak version need that is not met (it only
reports it under LD_TRACE_LOADED_OBJECTS/ldd -v). If a relocation does use such a symbol the library
really needs the newer libstdc++ and the tool refuses (exit 1). The file is rewritten through a temporary
file and a rename, so a hard link into the NuGet cache is left alone. Running it again changes nothing.
--check only reports (exit 0 when the library would load, 1 otherwise).

ELF64 little-endian only (x86-64, arm64): the layouts below are those of <elf.h>.
"""
import argparse
import os
import struct
import sys

SHT_RELA, SHT_REL, SHT_DYNSYM = 4, 9, 11
SHT_GNU_VERDEF, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF
SHT_DYNAMIC = 6
DT_SONAME = 14
VER_FLG_WEAK = 0x2


class Elf:
    """Section headers and string access of an ELF64 little-endian file held in memory."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise ValueError(f"{path}: not an ELF64 little-endian file")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", d, 0x3A)
        self.sections = []
        for i in range(shnum):
            (name, stype, flags, addr, offset, size, link, info, align,
             entsize) = struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append({"type": stype, "offset": offset, "size": size, "link": link,
                                  "info": info, "entsize": entsize})

    def of_type(self, stype):
        return [s for s in self.sections if s["type"] == stype]

    def string(self, strtab_index, offset):
        start = self.sections[strtab_index]["offset"] + offset
        end = self.data.index(b"\0", start)
        return self.data[start:end].decode("ascii", "replace")

    def soname(self):
        for dyn in self.of_type(SHT_DYNAMIC):
            for pos in range(dyn["offset"], dyn["offset"] + dyn["size"], 16):
                tag, val = struct.unpack_from("<qQ", self.data, pos)
                if tag == DT_SONAME:
                    return self.string(dyn["link"], val)
        return None

    def defined_versions(self):
        """Names of the versions this file defines (its verdef)."""
        names = set()
        for sec in self.of_type(SHT_GNU_VERDEF):
            pos = sec["offset"]
            while True:
                _, _, _, _, _, aux, nxt = struct.unpack_from("<HHHHIII", self.data, pos)
                name, = struct.unpack_from("<I", self.data, pos + aux)
                names.add(self.string(sec["link"], name))
                if nxt == 0:
                    break
                pos += nxt
        return names

    def needs(self):
        """(file, version name, version index, byte offset of vna_flags, flags) for each version need."""
        out = []
        for sec in self.of_type(SHT_GNU_VERNEED):
            pos = sec["offset"]
            while True:
                _, cnt, file_, aux, nxt = struct.unpack_from("<HHIII", self.data, pos)
                apos = pos + aux
                for _ in range(cnt):
                    _, flags, other, name, anext = struct.unpack_from("<IHHII", self.data, apos)
                    out.append((self.string(sec["link"], file_), self.string(sec["link"], name),
                                other & 0x7FFF, apos + 4, flags))
                    if anext == 0:
                        break
                    apos += anext
                if nxt == 0:
                    break
                pos += nxt
        return out

    def relocated_version_indices(self):
        """Version indices of the dynamic symbols that some relocation refers to."""
        dynsyms = [i for i, s in enumerate(self.sections) if s["type"] == SHT_DYNSYM]
        versym = self.of_type(SHT_GNU_VERSYM)
        if not dynsyms or not versym:
            return set()
        vs = versym[0]
        used = set()
        for sec in self.sections:
            if sec["type"] not in (SHT_RELA, SHT_REL) or sec["link"] not in dynsyms:
                continue
            entsize = sec["entsize"] or (24 if sec["type"] == SHT_RELA else 16)
            for pos in range(sec["offset"], sec["offset"] + sec["size"], entsize):
                r_info, = struct.unpack_from("<Q", self.data, pos + 8)
                sym = r_info >> 32
                if sym:
                    ndx, = struct.unpack_from("<H", self.data, vs["offset"] + 2 * sym)
                    used.add(ndx & 0x7FFF)
        return used


def default_libstdcxx():
    for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, "libstdc++.so.6")
        if os.path.exists(p):
            return p
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("library")
    ap.add_argument("--against", default=default_libstdcxx(), help="the system library whose versions count")
    ap.add_argument("--check", action="store_true", help="report only, change nothing")
    args = ap.parse_args()
    if not args.against:
        print("error: no libstdc++.so.6 found; pass --against", file=sys.stderr)
        return 2

    system = Elf(os.path.realpath(args.against))
    provider = system.soname() or os.path.basename(args.against)
    have = system.defined_versions()
    lib = Elf(args.library)
    relocated = lib.relocated_version_indices()

    missing = [n for n in lib.needs() if n[0] == provider and n[1] not in have]
    if not missing:
        print(f"{args.library}: every version it needs from {provider} is there")
        return 0
    changed = False
    for file_, name, index, flags_at, flags in missing:
        if index in relocated:
            print(f"error: {args.library} relocates a symbol of {name}, which {args.against} lacks: "
                  "it needs the newer library", file=sys.stderr)
            return 1
        if flags & VER_FLG_WEAK:
            print(f"{args.library}: {name} from {file_} already weak")
            continue
        if args.check:
            print(f"{args.library}: {name} from {file_} missing; would be marked weak (no relocation uses it)")
            return 1
        struct.pack_into("<H", lib.data, flags_at, flags | VER_FLG_WEAK)
        changed = True
        print(f"{args.library}: {name} from {file_} marked weak (no relocation uses it)")
    if changed:
        tmp = args.library + ".weakening"
        with open(tmp, "wb") as f:
            f.write(lib.data)
        os.chmod(tmp, os.stat(args.library).st_mode)
        os.replace(tmp, args.library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
