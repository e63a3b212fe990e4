// Runs an ONNX model in onnxruntime-node on .npy inputs: the peer runtime for
// tests and benchmarks. Usage:
//   node scripts/ort-run.js model.onnx --input x=x.npy [--input ...] [-o out.npy|dir]
//        [--threads 1] [--repeat N] [--optimization all|extended|basic|disabled]
// Prints one JSON line: {"min_ms":..,"median_ms":..,"runs":N,"outputs":[names]}.
'use strict';
const fs = require('fs');
const path = require('path');

function requireOrt() {
  const roots = [process.env.QUANTC_ORT_DIR, path.join(__dirname, '..', '.cache', 'ort')];
  for (const root of roots.filter(Boolean)) {
    try { return require(path.join(root, 'node_modules', 'onnxruntime-node')); } catch (e) {}
  }
  throw new Error('onnxruntime-node not found: run scripts/setup-ort.sh');
}

const DTYPES = {'<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
                '<i4': ['int32', Int32Array], '<f8': ['float64', Float64Array],
                '|b1': ['bool', Uint8Array], '|i1': ['int8', Int8Array],
                '|u1': ['uint8', Uint8Array], '<u2': ['uint16', Uint16Array],
                '<u4': ['uint32', Uint32Array], '<u8': ['uint64', BigUint64Array],
                '<f2': ['float16', Uint16Array], '<i2': ['int16', Int16Array]};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not .npy`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim())
      .filter(s => s.length).map(Number);
  const [type, Ctor] = DTYPES[descr] || (() => { throw new Error(`${file}: dtype ${descr}`); })();
  const offset = start + headerLen;
  const bytes = buf.subarray(offset);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return {type, shape, data};
}

function writeNpy(file, tensor) {
  const descr = {float32: '<f4', int64: '<i8', int32: '<i4', float64: '<f8', bool: '|b1', int8: '|i1',
                 uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8', float16: '<f2',
                 int16: '<i2'}[tensor.type];
  const dims = tensor.dims.length === 1 ? `${tensor.dims[0]},` : tensor.dims.join(', ');
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat(Math.ceil(total / 64) * 64 - total) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), data]));
}

async function main() {
  const args = process.argv.slice(2);
  const model = args.shift();
  const inputs = {};
  let output = null, threads = 1, repeat = 0, optimization = 'all';
  while (args.length) {
    const flag = args.shift();
    if (flag === '--input') {
      const [name, file] = args.shift().split('=');
      inputs[name] = file;
    } else if (flag === '-o') output = args.shift();
    else if (flag === '--threads') threads = Number(args.shift());
    else if (flag === '--optimization') optimization = args.shift();
    else if (flag === '--repeat') repeat = Number(args.shift());
    else throw new Error(`unknown flag ${flag}`);
  }
  const ort = requireOrt();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: optimization});
  const feeds = {};
  for (const [name, file] of Object.entries(inputs)) {
    const t = readNpy(file);
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  }
  let results = await session.run(feeds);
  const times = [];
  for (let i = 0; i < repeat; ++i) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const names = session.outputNames;
  if (output) {
    if (names.length === 1 && !output.endsWith('/')) writeNpy(output, results[names[0]]);
    else {
      fs.mkdirSync(output, {recursive: true});
      for (const n of names) writeNpy(path.join(output, n.replace(/[^A-Za-z0-9_]/g, '_') + '.npy'), results[n]);
    }
  }
  console.log(JSON.stringify({min_ms: times[0] ?? null, median_ms: times[Math.floor(times.length / 2)] ?? null,
                              runs: times.length, outputs: names}));
}

main().catch(e => { console.error(`ort-run: ${e.message}`); process.exit(1); });
