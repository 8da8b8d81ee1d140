// ONNX export lands here.
