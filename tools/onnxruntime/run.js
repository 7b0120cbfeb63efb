#!/usr/bin/env node
// Runs an .onnx model once in ONNX Runtime (CPU) on inputs given as JSON and
// prints its outputs as JSON. The contract is in tools/README.md.
//   node run.js MODEL [INPUTS.json|-] [OUTPUTS.json]
//   node run.js --check      (exits 0 when onnxruntime-node loads)
'use strict';

const fs = require('fs');

// ONNX Runtime's tensor type names and the typed arrays that hold them.
const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

// JSON has no NaN or infinities: they travel as these strings.
const NON_FINITE = { nan: NaN, inf: Infinity, '-inf': -Infinity };

function fail(message) {
  const error = new Error(message);
  error.expected = true;
  throw error;
}

function loadRuntime() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node (run scripts/setup to install it under ${__dirname}): ${e.message}`);
  }
}

function decodeNumber(value, where) {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
  fail(`${where}: ${JSON.stringify(value)} is not a number`);
}

function encodeNumber(value) {
  const number = Number(value);
  if (Number.isFinite(number)) return number;
  return Number.isNaN(number) ? 'nan' : number > 0 ? 'inf' : '-inf';
}

function checkDims(dims, where) {
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0))
    fail(`${where}: "dims" must be an array of non-negative integers`);
  return dims.reduce((count, d) => count * d, 1);
}

function makeTensor(ort, name, given, type) {
  const where = `input '${name}'`;
  if (given === null || typeof given !== 'object') fail(`${where}: expected an object with "dims" and "data"`);
  const count = checkDims(given.dims, where);
  if (!Array.isArray(given.data)) fail(`${where}: "data" must be an array`);
  if (given.data.length !== count)
    fail(`${where}: ${given.data.length} values for dims [${given.dims}] (${count} expected)`);
  const TypedArray = ARRAYS[type];
  if (!TypedArray) fail(`${where}: element type ${type} is not supported by this runner`);
  const values = given.data.map((v, i) => decodeNumber(v, `${where} value ${i}`));
  const data = type.endsWith('int64') ? TypedArray.from(values, (v) => BigInt(Math.trunc(v))) : TypedArray.from(values);
  return new ort.Tensor(type, data, given.dims);
}

async function loadSession(ort, modelPath) {
  try {
    return await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    });
  } catch (e) {
    fail(`${modelPath}: ONNX Runtime cannot load the model: ${e.message}`);
  }
}

async function runOnce(ort, session, modelPath, inputs) {
  const feeds = {};
  for (const meta of session.inputMetadata) {
    if (!(meta.name in inputs)) fail(`${modelPath}: no value given for model input '${meta.name}'`);
    if (!meta.isTensor) fail(`${modelPath}: input '${meta.name}' is not a tensor`);
    feeds[meta.name] = makeTensor(ort, meta.name, inputs[meta.name], meta.type);
  }
  for (const name of Object.keys(inputs))
    if (!(name in feeds)) fail(`${modelPath}: the model has no input '${name}' (inputs: ${session.inputNames})`);
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(`${modelPath}: ONNX Runtime failed to run the model: ${e.message}`);
  }
  const outputs = {};
  for (const [name, tensor] of Object.entries(results))
    outputs[name] = { dims: Array.from(tensor.dims), type: tensor.type, data: Array.from(tensor.data, encodeNumber) };
  return outputs;
}

// One set of inputs gives one set of outputs; an array of sets, an array.
async function run(modelPath, inputs) {
  const ort = loadRuntime();
  const session = await loadSession(ort, modelPath);
  if (!Array.isArray(inputs)) return runOnce(ort, session, modelPath, inputs);
  const outputs = [];
  for (const [i, set] of inputs.entries()) {
    if (set === null || typeof set !== 'object' || Array.isArray(set)) fail(`input set ${i}: not a JSON object`);
    try {
      outputs.push(await runOnce(ort, session, modelPath, set));
    } catch (e) {
      if (e.expected) e.message = `input set ${i}: ${e.message}`;
      throw e;
    }
  }
  return outputs;
}

function readInputs(path) {
  const source = path === '-' ? 'standard input' : path;
  let text;
  try {
    text = fs.readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    fail(`cannot read inputs from ${source}: ${e.message}`);
  }
  try {
    const inputs = JSON.parse(text);
    if (inputs === null || typeof inputs !== 'object') fail('neither a JSON object nor an array');
    return inputs;
  } catch (e) {
    fail(`inputs in ${source}: ${e.message}`);
  }
}

async function main(args) {
  if (args[0] === '--check') {
    loadRuntime();
    return;
  }
  if (args.length < 1 || args.length > 3) fail('usage: run.js MODEL [INPUTS.json|-] [OUTPUTS.json]');
  const [modelPath, inputsPath = '-', outputsPath] = args;
  if (!fs.existsSync(modelPath)) fail(`${modelPath}: no such file`);
  const text = JSON.stringify(await run(modelPath, readInputs(inputsPath)));
  if (outputsPath) fs.writeFileSync(outputsPath, text + '\n');
  else process.stdout.write(text + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`onnxruntime runner: ${e.expected ? e.message : e.stack}\n`);
  process.exitCode = 1;
});
