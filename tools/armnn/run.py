#!/usr/bin/python3
"""Runs a .tflite model once in Arm NN (TfLite parser, CpuRef backend) on inputs
given as JSON and prints its outputs as JSON. The contract is in tools/README.md.

    /usr/bin/python3 run.py MODEL [INPUTS.json|-] [OUTPUTS.json]
    /usr/bin/python3 run.py --check      (exits 0 when pyarmnn loads)

Debian's python3-pyarmnn lives in /usr/bin/python3's dist-packages, so run this
with that interpreter, not whichever python3 comes first on PATH.
"""
import json
import logging
import math
import os
import sys

# CpuRef is Arm NN's portable reference backend; CpuAcc needs an Arm CPU.
BACKEND = "CpuRef"

# JSON has no NaN or infinities: they travel as these strings.
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class RunnerError(Exception):
    pass


def load_armnn():
    # pyarmnn logs a warning on import for each parser Debian's build leaves
    # out (Caffe, ONNX, TF): noise on stderr, which is kept for real errors.
    logging.getLogger("pyarmnn").setLevel(logging.ERROR)
    try:
        import numpy
        import pyarmnn
    except ImportError as e:
        raise RunnerError(f"cannot import pyarmnn with {sys.executable} "
                          f"(Debian package python3-pyarmnn; run scripts/setup): {e}")
    return pyarmnn, numpy


def element_types(ann, np):
    """Arm NN data types -> (name in the JSON contract, numpy dtype)."""
    return {
        ann.DataType_Float32: ("float32", np.float32),
        ann.DataType_Float16: ("float16", np.float16),
        ann.DataType_QAsymmU8: ("uint8", np.uint8),
        ann.DataType_QAsymmS8: ("int8", np.int8),
        ann.DataType_QSymmS8: ("int8", np.int8),
        ann.DataType_QSymmS16: ("int16", np.int16),
        ann.DataType_Signed32: ("int32", np.int32),
        ann.DataType_Boolean: ("bool", np.bool_),
    }


def decode_number(value, where):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    raise RunnerError(f"{where}: {json.dumps(value)} is not a number")


def encode_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return int(value) if isinstance(value, bool) else value


def input_array(name, given, info, types, np):
    where = f"input '{name}'"
    if not isinstance(given, dict):
        raise RunnerError(f'{where}: expected an object with "dims" and "data"')
    dims, data = given.get("dims"), given.get("data")
    if not isinstance(dims, list) or not all(isinstance(d, int) and d >= 0 for d in dims):
        raise RunnerError(f'{where}: "dims" must be an array of non-negative integers')
    if not isinstance(data, list):
        raise RunnerError(f'{where}: "data" must be an array')
    shape = info.GetShape()
    expected = [shape[i] for i in range(shape.GetNumDimensions())]
    if dims != expected:
        raise RunnerError(f"{where}: dims {dims} but the model wants {expected}")
    if len(data) != math.prod(dims):
        raise RunnerError(f"{where}: {len(data)} values for dims {dims} ({math.prod(dims)} expected)")
    kind = types.get(info.GetDataType())
    if kind is None:
        raise RunnerError(f"{where}: its element type is not supported by this runner")
    values = [decode_number(v, f"{where} value {i}") for i, v in enumerate(data)]
    return np.array(values, dtype=kind[1]).reshape(dims)


class LoadedModel:
    """A .tflite model parsed, optimized for BACKEND and loaded into a runtime."""

    def __init__(self, model_path):
        self.ann, self.np = load_armnn()
        ann = self.ann
        self.path = model_path
        self.types = element_types(ann, self.np)
        parser = ann.ITfLiteParser()
        try:
            network = parser.CreateNetworkFromBinaryFile(model_path)
        except RuntimeError as e:
            raise RunnerError(f"{model_path}: Arm NN's TfLite parser cannot read the model: {e}")
        if parser.GetSubgraphCount() != 1:
            raise RunnerError(f"{model_path}: {parser.GetSubgraphCount()} subgraphs; this runner runs exactly one")
        self.input_names = parser.GetSubgraphInputTensorNames(0)
        self.input_bindings = [parser.GetNetworkInputBindingInfo(0, name) for name in self.input_names]
        self.output_names = parser.GetSubgraphOutputTensorNames(0)
        self.output_bindings = [parser.GetNetworkOutputBindingInfo(0, name) for name in self.output_names]
        self.runtime = ann.IRuntime(ann.CreationOptions())
        try:
            optimized, _ = ann.Optimize(network, [ann.BackendId(BACKEND)], self.runtime.GetDeviceSpec(),
                                        ann.OptimizerOptions())
            self.network_id, _ = self.runtime.LoadNetwork(optimized)
        except RuntimeError as e:
            raise RunnerError(f"{model_path}: Arm NN ({BACKEND}) cannot load the model: {e}")

    def run(self, inputs):
        ann, np = self.ann, self.np
        for name in inputs:
            if name not in self.input_names:
                raise RunnerError(f"{self.path}: the model has no input '{name}' "
                                  f"(inputs: {', '.join(self.input_names)})")
        arrays = []
        for name, binding in zip(self.input_names, self.input_bindings):
            if name not in inputs:
                raise RunnerError(f"{self.path}: no value given for model input '{name}'")
            arrays.append(input_array(name, inputs[name], binding[1], self.types, np))
        output_tensors = ann.make_output_tensors(self.output_bindings)
        try:
            self.runtime.EnqueueWorkload(self.network_id, ann.make_input_tensors(self.input_bindings, arrays),
                                         output_tensors)
        except RuntimeError as e:
            raise RunnerError(f"{self.path}: Arm NN ({BACKEND}) failed to run the model: {e}")
        outputs = {}
        results = ann.workload_tensors_to_ndarray(output_tensors)
        for name, binding, array in zip(self.output_names, self.output_bindings, results):
            kind = self.types.get(binding[1].GetDataType(), ("unknown", None))[0]
            outputs[name] = {"dims": list(array.shape), "type": kind,
                             "data": [encode_number(v) for v in array.reshape(-1).tolist()]}
        return outputs


def run(model_path, inputs):
    """One set of inputs gives one set of outputs; a list of sets, a list."""
    model = LoadedModel(model_path)
    if isinstance(inputs, dict):
        return model.run(inputs)
    outputs = []
    for i, input_set in enumerate(inputs):
        if not isinstance(input_set, dict):
            raise RunnerError(f"input set {i}: not a JSON object")
        try:
            outputs.append(model.run(input_set))
        except RunnerError as e:
            raise RunnerError(f"input set {i}: {e}")
    return outputs


def read_inputs(path):
    source = "standard input" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except OSError as e:
        raise RunnerError(f"cannot read inputs from {source}: {e}")
    try:
        inputs = json.loads(text)
    except ValueError as e:
        raise RunnerError(f"inputs in {source}: {e}")
    if not isinstance(inputs, (dict, list)):
        raise RunnerError(f"inputs in {source}: neither a JSON object nor an array")
    return inputs


def main(args):
    if args[:1] == ["--check"]:
        load_armnn()
        return
    if not 1 <= len(args) <= 3:
        raise RunnerError("usage: run.py MODEL [INPUTS.json|-] [OUTPUTS.json]")
    model_path = args[0]
    inputs_path = args[1] if len(args) > 1 else "-"
    outputs_path = args[2] if len(args) > 2 else None
    if not os.path.isfile(model_path):
        raise RunnerError(f"{model_path}: no such file")
    text = json.dumps(run(model_path, read_inputs(inputs_path)), allow_nan=False)
    if outputs_path:
        with open(outputs_path, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except RunnerError as e:
        print(f"armnn runner: {e}", file=sys.stderr)
        sys.exit(1)
