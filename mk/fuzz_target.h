/* fuzz_target.h: forced (-include) into every test/fuzz/fuzz_*.c, so that the libFuzzer entry
 * points have prototypes, as -Wmissing-prototypes asks. A fuzz target may declare them again. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
