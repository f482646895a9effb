/**
 * Facts about the `.tflite` file format (TensorFlow Lite's flatbuffer schema, version 3): the field
 * order of each table we read or write, and the enum values we use. Field numbers are positions in
 * the schema's table declarations (a union takes two: its type byte, then its value). Written here
 * from the format's published layout; nothing is generated.
 */

/** The 4-byte file identifier at bytes 4..8 of every version-3 model. */
export const FILE_IDENTIFIER = 'TFL3';
/** The schema version a model declares in Model.version. */
export const SCHEMA_VERSION = 3;

/** Field numbers of each table (vtable slot = 4 + 2 * field). */
export const F = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadataBuffer: 5, metadata: 6, signatureDefs: 7 },
  operatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subgraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8 },
  quantization: { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 },
  buffer: { data: 0, offset: 1, size: 2 },
  operator: {
    opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5,
    customOptionsFormat: 6, mutatingVariableInputs: 7, intermediates: 8, largeCustomOptionsOffset: 9,
    largeCustomOptionsSize: 10, builtinOptions2Type: 11, builtinOptions2: 12,
  },
  conv2d: { padding: 0, strideW: 1, strideH: 2, activation: 3, dilationW: 4, dilationH: 5, quantizedBiasType: 6 },
  depthwise: { padding: 0, strideW: 1, strideH: 2, depthMultiplier: 3, activation: 4, dilationW: 5, dilationH: 6 },
  pool2d: { padding: 0, strideW: 1, strideH: 2, filterW: 3, filterH: 4, activation: 5 },
  fullyConnected: { activation: 0, weightsFormat: 1, keepNumDims: 2, asymmetricQuantizeInputs: 3, quantizedBiasType: 4 },
  softmax: { beta: 0 },
  concatenation: { axis: 0, activation: 1 },
  add: { activation: 0, potScaleInt16: 1 },
  reshape: { newShape: 0 },
  reducer: { keepDims: 0 },
  squeeze: { squeezeDims: 0 },
} as const;

/** TensorType enum (a byte). */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7, COMPLEX64: 8, INT8: 9, FLOAT64: 10 } as const;
/** Names of TensorType values, for messages. */
export const TENSOR_TYPE_NAMES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8', 'float64',
  'complex128', 'uint64', 'resource', 'variant', 'uint32', 'uint16', 'int4',
];

/** BuiltinOperator codes of the ops this project reads and writes. */
export const Op = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, MAX_POOL_2D: 17, RESHAPE: 22, SOFTMAX: 25, PAD: 34, TRANSPOSE: 39, MEAN: 40, SQUEEZE: 43,
  LOG_SOFTMAX: 50, QUANTIZE: 114,
} as const;
export type SupportedOpName = keyof typeof Op;

/** Names of BuiltinOperator codes 0..161, for messages about ops the project does not support. */
export const BUILTIN_OP_NAMES = (
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR ' +
  'FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION ' +
  'LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH ' +
  'CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER ' +
  'BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE ' +
  'BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ' +
  'ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE ' +
  'TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK ' +
  'LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL ' +
  'FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL ' +
  'REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND ' +
  'HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM ' +
  'BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS ' +
  'HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ' +
  'ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU ' +
  'DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 ' +
  'UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT'
).split(' ');

/** The code stored in OperatorCode.deprecated_builtin_code (a byte) once codes passed 127. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** BuiltinOptions union: the type byte of each options table we read or write. */
export const Options = {
  NONE: 0, Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8,
  SoftmaxOptions: 9, ConcatenationOptions: 10, AddOptions: 11, ReshapeOptions: 17, PadOptions: 22,
  TransposeOptions: 26, ReducerOptions: 27, SqueezeOptions: 30, LogSoftmaxOptions: 36, DequantizeOptions: 38, QuantizeOptions: 89,
} as const;

/** The options table each supported op carries (NONE: the op has no options or they are empty). */
export const OPTIONS_OF: Record<SupportedOpName, number> = {
  ADD: Options.AddOptions,
  AVERAGE_POOL_2D: Options.Pool2DOptions,
  CONCATENATION: Options.ConcatenationOptions,
  CONV_2D: Options.Conv2DOptions,
  DEPTHWISE_CONV_2D: Options.DepthwiseConv2DOptions,
  DEQUANTIZE: Options.DequantizeOptions,
  FULLY_CONNECTED: Options.FullyConnectedOptions,
  MAX_POOL_2D: Options.Pool2DOptions,
  RESHAPE: Options.ReshapeOptions,
  SOFTMAX: Options.SoftmaxOptions,
  PAD: Options.PadOptions,
  TRANSPOSE: Options.TransposeOptions,
  MEAN: Options.ReducerOptions,
  SQUEEZE: Options.SqueezeOptions,
  LOG_SOFTMAX: Options.LogSoftmaxOptions,
  QUANTIZE: Options.QuantizeOptions,
};

/** Padding enum (a byte). */
export const Padding = { SAME: 0, VALID: 1 } as const;
/** ActivationFunctionType enum (a byte). */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;
export const ACTIVATION_NAMES = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];
