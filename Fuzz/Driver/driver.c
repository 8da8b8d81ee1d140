// The libFuzzer driver for every fcngc fuzz target: LLVMFuzzerTestOneInput hands the bytes
// to the Swift entry `fcngc_fuzz_one` (Sources/FCNFuzzEntries). The target is chosen by the
// environment variable FCNGC_FUZZ_TARGET (spec, safetensors, npy, image, label, plan).
//
// Built with -DFCNGC_LIBFUZZER and -sanitize=fuzzer,address by Scripts/fuzz.sh, libFuzzer
// supplies main. In an ordinary build this file supplies a main that replays the files named
// on the command line through the target, one by one (to reproduce a crasher without the
// fuzzer build): fcngc-fuzz-driver TARGET FILE...

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fcngc_fuzz_one(const char *target, const uint8_t *data, size_t size);

static const char *target_name(void) {
    const char *t = getenv("FCNGC_FUZZ_TARGET");
    return t ? t : "";
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    if (fcngc_fuzz_one(target_name(), NULL, 0) != 0) {
        fprintf(stderr, "set FCNGC_FUZZ_TARGET to spec, safetensors, npy, image, label or plan (got '%s')\n", target_name());
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fcngc_fuzz_one(target_name(), data, size);
    return 0;
}

#ifndef FCNGC_LIBFUZZER
int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TARGET FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 1; }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t r;
        while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
            n += r;
            if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
        }
        fclose(f);
        if (!buf) { fprintf(stderr, "out of memory\n"); return 1; }
        if (fcngc_fuzz_one(argv[1], buf, n) != 0) { fprintf(stderr, "unknown target '%s'\n", argv[1]); return 2; }
        free(buf);
        printf("%s: ok\n", argv[i]);
    }
    return 0;
}
#endif
