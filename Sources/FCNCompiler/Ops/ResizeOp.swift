// resize: bilinear interpolation of its input to the height and width of `like` (a layer or the
// input), channels kept: torchvision's F.interpolate(x, size=..., mode="bilinear") at the end
// of an FCN-ResNet head. Per axis, output pixel i reads source coordinate
//   align_corners false (PyTorch's default, ONNX half_pixel): max(0, (i + 0.5) * in/out - 0.5)
//   align_corners true:  i * (in - 1)/(out - 1)   (0 when out == 1)
// between its two nearest source pixels (the last one repeated at the edge). No weights.
// Coordinates: the output lies on the grid of `like` (that is what the resize is for), so it
// takes the reference's coordinate map; see Docs/CropOffsets.md for what this means for crops.

import FCNPlan
import FCNSpec

enum ResizeOp {
    static let definition: OpDefinition = {
        var d = OpDefinition(.resize)
        d.keys = [.layerName("like", required: "the layer (or 'input') whose size to resize to"),
                  .bool("align_corners", \.alignCorners)]
        d.coord = .resample
        d.outputSize = { _, _, size, reference in .success(reference ?? size) }
        d.macs = { _, _, output in output.c * output.h * output.w * 4 }
        d.lower = { n in
            var a = StepAttributes()
            a.alignCorners = n.params.alignCorners
            return (.resize, a)
        }
        return d
    }()
}
