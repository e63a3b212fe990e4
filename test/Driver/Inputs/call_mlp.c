/* Calls a compiled mlp_two_outputs artifact through its generated header:
 * the unchecked typed entry, then the checked quantc_model_run (including a
 * wrong shape, which must be refused). Usage: call_mlp X.npy OUTDIR */
#include "mlp.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  char error[256];
  quantc_tensor x;
  if (argc != 3 || quantc_npy_read(argv[1], &x, error, sizeof error)) {
    fprintf(stderr, "call_mlp: %s\n", argc == 3 ? error : "usage: call_mlp X.npy OUTDIR");
    return 1;
  }
  float y1[12], y2[12];
  mlp_run((const float *)x.data, y1, y2);

  quantc_tensor outputs[2];
  memset(outputs, 0, sizeof outputs);
  if (quantc_model_run(&mlp_model, &x, 1, outputs, 2, error, sizeof error)) {
    fprintf(stderr, "call_mlp: %s\n", error);
    return 1;
  }
  if (memcmp(outputs[0].data, y1, sizeof y1) || memcmp(outputs[1].data, y2, sizeof y2)) {
    fprintf(stderr, "call_mlp: checked and unchecked calls disagree\n");
    return 1;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/y1.npy", argv[2]);
  quantc_npy_write(path, &outputs[0], error, sizeof error);
  snprintf(path, sizeof path, "%s/y2.npy", argv[2]);
  quantc_npy_write(path, &outputs[1], error, sizeof error);

  quantc_tensor bad = x;
  bad.shape[0] = 3;
  if (quantc_model_run(&mlp_model, &bad, 1, outputs, 2, error, sizeof error) == 0) {
    fprintf(stderr, "call_mlp: a wrong input shape was accepted\n");
    return 1;
  }
  printf("refused: %s\n", error);
  bad.rank = 99;
  if (quantc_model_run(&mlp_model, &bad, 1, outputs, 2, error, sizeof error) == 0) {
    fprintf(stderr, "call_mlp: rank 99 was accepted\n");
    return 1;
  }
  printf("refused: %s\n", error);

  /* The checked typed entry: right sizes run, a wrong size or NULL is refused. */
  float z1[12], z2[12];
  if (mlp_run_checked((const float *)x.data, 64, z1, sizeof z1, z2, sizeof z2) != 0 ||
      memcmp(z1, y1, sizeof y1)) {
    fprintf(stderr, "call_mlp: mlp_run_checked failed on correct buffers\n");
    return 1;
  }
  if (mlp_run_checked((const float *)x.data, 60, z1, sizeof z1, z2, sizeof z2) != -1 ||
      mlp_run_checked(NULL, 64, z1, sizeof z1, z2, sizeof z2) != -1) {
    fprintf(stderr, "call_mlp: mlp_run_checked accepted a wrong size or NULL\n");
    return 1;
  }
  printf("run_checked: refuses wrong sizes\n");
  printf("model %s: %d input, %d outputs\n", mlp_model.name, mlp_model.num_inputs,
         mlp_model.num_outputs);
  quantc_tensor_free(&outputs[0]);
  quantc_tensor_free(&outputs[1]);
  quantc_tensor_free(&x);
  return 0;
}
