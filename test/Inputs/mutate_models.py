#!/usr/bin/python3
"""Robustness check: corrupts a valid model in N seeded ways and runs the
importer on each; every run must end with exit code 0 or 1 (no crash, no
hang). mutate_models.py QUANTC MODEL.onnx WORKDIR N"""
import random
import subprocess
import sys


def main():
    quantc, model, workdir, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    data = bytearray(open(model, "rb").read())
    rng = random.Random(1234)
    outcomes = {0: 0, 1: 0}
    for i in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            pos = rng.randrange(len(mutated))
            if kind < 0.6:
                mutated[pos] = rng.randrange(256)
            elif kind < 0.8:
                del mutated[pos:pos + rng.randint(1, 16)]
            else:
                mutated[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        path = "%s/mutant.onnx" % workdir
        open(path, "wb").write(mutated)
        result = subprocess.run([quantc, "import", path, "-o", workdir + "/out.mlir"],
                                capture_output=True, timeout=60)
        if result.returncode not in (0, 1):
            open("%s/crash-%d.onnx" % (workdir, i), "wb").write(mutated)
            sys.exit("mutant %d: exit code %d\n%s" % (i, result.returncode,
                                                     result.stderr.decode(errors="replace")))
        outcomes[result.returncode] += 1
    print("%d mutants: %d imported, %d rejected with an error, 0 crashed" %
          (count, outcomes[0], outcomes[1]))


if __name__ == "__main__":
    main()
