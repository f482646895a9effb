#!/usr/bin/python3
"""Run a .tflite model with Arm NN (its TFLite parser and the CpuRef reference backend).

The project's independent interpreter for int8 TFLite models (Debian's python3-pyarmnn). Usage:

    /usr/bin/python3 scripts/armnn-run.py REQUEST.json

REQUEST: {"model": "m.tflite", "input": "in.bin", "count": N, "output": "out.bin"}. in.bin holds N
samples of the model's single input, in its dtype, back to back. out.bin receives, for each sample,
each subgraph output in order, in its dtype. stdout: one JSON line describing the input and outputs
(name, shape, dtype, scale, zero point). Any failure: one line on stderr and exit status 1.
To read an intermediate tensor, make it a subgraph output (the TypeScript wrapper rewrites the model).
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")  # pyarmnn warns about the parsers Debian does not build

import numpy as np  # noqa: E402
import pyarmnn as ann  # noqa: E402

DTYPES = {
    ann.DataType_Float32: ("float32", np.float32),
    ann.DataType_QAsymmS8: ("int8", np.int8),
    ann.DataType_QSymmS8: ("int8", np.int8),
    ann.DataType_QAsymmU8: ("uint8", np.uint8),
    ann.DataType_Signed32: ("int32", np.int32),
}


def describe(name, info):
    dtype = DTYPES.get(info.GetDataType())
    if dtype is None:
        raise ValueError(f"tensor {name} has the Arm NN data type {info.GetDataType()}, which this harness does not read")
    return {
        "name": name,
        "shape": [info.GetShape()[i] for i in range(info.GetNumDimensions())],
        "dtype": dtype[0],
        "scale": info.GetQuantizationScale(),
        "zeroPoint": info.GetQuantizationOffset(),
    }


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(req["model"])
    in_names = parser.GetSubgraphInputTensorNames(0)
    if len(in_names) != 1:
        raise ValueError(f"the model has {len(in_names)} inputs; this harness feeds exactly one")
    in_bind = parser.GetNetworkInputBindingInfo(0, in_names[0])
    out_names = parser.GetSubgraphOutputTensorNames(0)
    out_binds = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]

    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, messages = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(optimized)

    in_desc = describe(in_names[0], in_bind[1])
    count = int(req["count"])
    data = np.fromfile(req["input"], dtype=DTYPES[in_bind[1].GetDataType()][1])
    per_sample = int(np.prod(in_desc["shape"]))
    if data.size != count * per_sample:
        raise ValueError(f"{req['input']} holds {data.size} values, not {count} samples of {per_sample}")
    data = data.reshape(count, *in_desc["shape"])

    with open(req["output"], "wb") as out:
        for i in range(count):
            inputs = ann.make_input_tensors([in_bind], [data[i]])
            outputs = ann.make_output_tensors(out_binds)
            runtime.EnqueueWorkload(net_id, inputs, outputs)
            for array in ann.workload_tensors_to_ndarray(outputs):
                out.write(np.ascontiguousarray(array).tobytes())

    print(json.dumps({
        "input": in_desc,
        "outputs": [describe(n, b[1]) for n, b in zip(out_names, out_binds)],
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one sentence for the caller, never a traceback
        print(f"Arm NN could not run the model: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        sys.exit(1)
