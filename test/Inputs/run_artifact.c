/* Runs any quantc artifact through its descriptor (checked call): build with
 * -DMODEL=<name> -include <name>.h. Usage: run_artifact IN.npy... -o OUT.npy...
 * Used to run cross-compiled artifacts under qemu. */
#include <stdio.h>
#include <string.h>

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define DESCRIPTOR CONCAT(MODEL, _model)

int main(int argc, char **argv) {
  const quantc_model *model = &DESCRIPTOR;
  quantc_tensor inputs[16], outputs[16];
  memset(outputs, 0, sizeof outputs);
  char error[512];
  int n_in = 0, arg = 1;
  for (; arg < argc && strcmp(argv[arg], "-o"); ++arg)
    if (n_in == 16 || quantc_npy_read(argv[arg], &inputs[n_in++], error, sizeof error)) {
      fprintf(stderr, "run_artifact: %s\n", error);
      return 1;
    }
  int n_out = argc - arg - 1;
  if (n_out != model->num_outputs) {
    fprintf(stderr, "run_artifact: %s has %d outputs, %d paths given\n", model->name,
            model->num_outputs, n_out);
    return 1;
  }
  if (quantc_model_run(model, inputs, n_in, outputs, n_out, error, sizeof error)) {
    fprintf(stderr, "run_artifact: %s\n", error);
    return 1;
  }
  for (int i = 0; i < n_out; ++i)
    if (quantc_npy_write(argv[arg + 1 + i], &outputs[i], error, sizeof error)) {
      fprintf(stderr, "run_artifact: %s\n", error);
      return 1;
    }
  printf("ran %s\n", model->name);
  return 0;
}
