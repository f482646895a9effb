/**
 * Every bound the `.tflite` reader enforces, in one place. A file past any of them is refused with
 * one sentence before work proportional to the excess is done. They are far above what a model for a
 * 256 KB microcontroller needs (the largest shipped model has 129 tensors in a 600 KB file), and low
 * enough that reading a hostile file stays within milliseconds and a few times the file's size.
 */
export const TFLITE_LIMITS = {
  /** Largest file read (bytes). */
  maxFileBytes: 64 * 1024 * 1024,
  /** Entries of Model.subgraphs, operator_codes, buffers; of SubGraph.tensors, operators. */
  maxSubgraphs: 64,
  maxOperatorCodes: 1024,
  maxBuffers: 65_536,
  maxTensors: 65_536,
  maxOperators: 65_536,
  /** Inputs or outputs of one operator or of the subgraph (CONCATENATION may take many). */
  maxOperands: 256,
  /** Rank of a tensor shape. */
  maxRank: 8,
  /** Elements of one tensor (int8 activations of a 256 KB model are far below). */
  maxTensorElements: 64 * 1024 * 1024,
  /** Bytes of a name or description kept (longer ones are refused, not cut). */
  maxStringBytes: 4096,
  /** Entries of a quantization scale / zero-point vector (one per channel). */
  maxQuantChannels: 65_536,
} as const;
