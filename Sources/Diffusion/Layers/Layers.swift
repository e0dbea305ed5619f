import CKernels
/// torch.nn building blocks holding their weights under diffusers' names
/// (`prefix + ".weight"`, `prefix + ".bias"`). They call kernels; none touches BLAS.

/// torch.nn.Conv2d (square kernel, symmetric padding).
struct Conv2d: Sendable {
    /// The module's diffusers name (`down_blocks.0.resnets.1.conv1`), which LoRAs address.
    let name: String
    let weight: WeightMatrix
    let bias: [Float]
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int

    init(
        _ store: WeightStore, _ prefix: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
        bias hasBias: Bool = true
    ) throws {
        let padding = padding ?? kernel / 2
        weight = try store.matrix(
            prefix + ".weight", shape: [outChannels, inChannels, kernel, kernel], rows: outChannels,
            columns: inChannels * kernel * kernel, role: .left,
            winograd: WinogradPolicy.applies(
                kernel: kernel, stride: stride, padding: padding, outChannels: outChannels, precision: store.precision))
        bias = hasBias ? try store.tensor(prefix + ".bias", shape: [outChannels]) : []
        name = prefix
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// x is (N, inChannels, H, W).
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        var r = KernelProfile.measure(kernel == 1 ? .convolution1x1 : .convolution3x3) {
            conv2d(
                x.data, n: n, c: inChannels, h: h, w: w, weight: weight, bias: bias, kernel: kernel, stride: stride,
                padding: padding)
        }
        LoraBatch.active?.addUpdates(of: name, toConvolution: &r.data, input: x, kernel: kernel, stride: stride, padding: padding)
        return Tensor(shape: [n, outChannels, r.height, r.width], data: r.data)
    }

    /// conv(silu(norm(x))) (or without the SiLU): a Winograd layer reads x through the
    /// norm's coefficients, so the normalised copy of x is never made.
    func callAsFunction(_ x: Tensor, normalizedBy norm: GroupNorm, silu: Bool) -> Tensor {
        guard fuses(height: x.shape[2], width: x.shape[3]) else { return self(norm(x, silu: silu)) }
        return winograd(x, prologue: norm.prologue(reading: x, silu: silu))
    }

    /// residual += conv(silu(norm(x))): a Winograd layer adds its outputs to the residual as
    /// it writes them, so the block's output needs no buffer of its own.
    func add(_ x: Tensor, normalizedBy norm: GroupNorm, silu: Bool, to residual: inout Tensor) {
        precondition(residual.shape == [x.shape[0], outChannels, x.shape[2], x.shape[3]])
        guard fuses(height: x.shape[2], width: x.shape[3]) else {
            addInPlace(&residual.data, self(x, normalizedBy: norm, silu: silu).data)
            return
        }
        winograd(x, prologue: norm.prologue(reading: x, silu: silu), into: &residual.data, accumulate: true)
    }

    /// A 1×1 convolution to fewer channels written over its own input: x is consumed, and
    /// each block of pixel columns is projected into a small buffer and copied over the first
    /// channels of x (a pixel's outputs need only that pixel's inputs, all read by then). The
    /// pages of x past the result go back to the kernel, so a resnet's shortcut at the VAE's
    /// 512² level costs no tensor of its own. Otherwise (a LoRA on the layer, or not 1×1 to
    /// fewer channels), `self(x)`.
    func projectingInPlace(_ x: consuming Tensor) -> Tensor {
        guard kernel == 1, stride == 1, padding == 0, outChannels <= inChannels, LoraBatch.active?.patches(name) != true else {
            return self(x)
        }
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let hw = h * w
        var data = (consume x).data
        KernelProfile.measure(.convolution1x1) {
            // about 1 MiB of outputs a block, whole panels of the kernel's columns
            let block = min(hw, max(Int(LZ_NR), (1 << 18) / outChannels / Int(LZ_NR) * Int(LZ_NR)))
            var projected = uninitializedFloats(outChannels * block)  // each block's GEMM writes what it copies
            data.withUnsafeMutableBufferPointer { dp in
                projected.withUnsafeMutableBufferPointer { pp in
                    let (base, buffer) = (dp.baseAddress!, pp.baseAddress!)
                    for b in 0..<n {
                        let input = base + b * inChannels * hw
                        let output = base + b * outChannels * hw
                        var p0 = 0
                        while p0 < hw {
                            let columns = min(block, hw - p0)
                            multiply(weight, input + p0, ldb: hw, n: columns, into: buffer, ldc: columns, accumulate: false, bias: bias)
                            for o in 0..<outChannels { (output + o * hw + p0).update(from: buffer + o * columns, count: columns) }
                            p0 += columns
                        }
                    }
                }
            }
        }
        data.removeLast(data.count - n * outChannels * hw)
        releaseUnusedCapacity(of: &data)
        return Tensor(shape: [n, outChannels, h, w], data: data)
    }

    /// conv(nearest upsampling of x to `size`): a Winograd layer reads x at half size when
    /// `size` doubles it, so the upsampled copy is never made.
    func callAsFunction(upsampling x: Tensor, to size: (height: Int, width: Int)) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard size == (2 * h, 2 * w), fuses(height: size.height, width: size.width) else {
            let upsampled = upsampleNearest(x.data, n: n, c: c, h: h, w: w, outHeight: size.height, outWidth: size.width)
            return self(Tensor(shape: [n, c, size.height, size.width], data: upsampled))
        }
        return winograd(x, prologue: WinogradPrologue(upsampled: true))
    }

    /// Whether what comes before this layer can be folded into reading its input, for an
    /// output of height × width: the layer runs as Winograd (a Winograd weight, or transforms
    /// made as they are used at this size), and no LoRA needs the input itself.
    private func fuses(height: Int, width: Int) -> Bool {
        let winograd = weight.isWinograd
            || WinogradPolicy.transformsAsUsed(weight, kernel: kernel, stride: stride, padding: padding, height: height, width: width)
        return winograd && LoraBatch.active?.patches(name) != true
    }

    private func winograd(_ x: Tensor, prologue: WinogradPrologue) -> Tensor {
        let (h, w) = prologue.upsampled ? (2 * x.shape[2], 2 * x.shape[3]) : (x.shape[2], x.shape[3])
        var out = Tensor(shape: [x.shape[0], outChannels, h, w], data: uninitializedFloats(x.shape[0] * outChannels * h * w))
        winograd(x, prologue: prologue, into: &out.data, accumulate: false)  // every output is some tile's
        return out
    }

    /// The Winograd convolution of x (read through `prologue`) written into, or added to, `out`.
    private func winograd(_ x: Tensor, prologue: WinogradPrologue, into out: inout [Float], accumulate: Bool) {
        let (h, w) = prologue.upsampled ? (2 * x.shape[2], 2 * x.shape[3]) : (x.shape[2], x.shape[3])
        KernelProfile.measure(.convolution3x3) {
            winogradConv2d(
                x.data, n: x.shape[0], c: inChannels, h: h, w: w, weight: weight, bias: bias, prologue: prologue, into: &out,
                accumulate: accumulate)
        }
    }
}

/// torch.nn.Linear; a 1×1 conv weight [out, in, 1, 1] is accepted for it.
struct Linear: Sendable {
    /// The module's diffusers name (`…attn1.to_q`), which LoRAs address.
    let name: String
    let weight: WeightMatrix
    let bias: [Float]
    let inFeatures: Int
    let outFeatures: Int

    init(_ store: WeightStore, _ prefix: String, _ inFeatures: Int, _ outFeatures: Int, bias hasBias: Bool = true) throws {
        weight = try store.matrix(
            prefix + ".weight", shape: [outFeatures, inFeatures], rows: outFeatures, columns: inFeatures,
            role: .transposedRight)
        bias = hasBias ? try store.tensor(prefix + ".bias", shape: [outFeatures]) : []
        name = prefix
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// x is (rows, inFeatures) → (rows, outFeatures); rows are the batch's samples one
    /// after another, which is how the LoRAs of each sample find their rows.
    func callAsFunction(_ x: [Float]) -> [Float] {
        var y = KernelProfile.measure(.linear) { linear(x, rows: x.count / inFeatures, weight: weight, bias: bias) }
        LoraBatch.active?.addUpdates(of: name, toLinear: &y, input: x, inFeatures: inFeatures, outFeatures: outFeatures)
        return y
    }
}

/// torch.nn.GroupNorm (affine).
struct GroupNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let groups: Int
    let eps: Float

    init(_ store: WeightStore, _ prefix: String, channels: Int, groups: Int, eps: Float) throws {
        weight = try store.tensor(prefix + ".weight", shape: [channels])
        bias = try store.tensor(prefix + ".bias", shape: [channels])
        self.groups = groups
        self.eps = eps
    }

    /// This norm of x (N, C, H, W), and the SiLU after it when `silu`, as a Winograd
    /// convolution applies them while reading x: per image and channel (N·C values each),
    /// the map x·scale + shift that normalises x. Needs AVX-512.
    func prologue(reading x: Tensor, silu: Bool) -> WinogradPrologue {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let perGroup = c / groups
        var scale = uninitializedFloats(n * c), shift = uninitializedFloats(n * c)  // every (image, group) writes its channels
        KernelProfile.measure(.groupNorm) {
            x.data.withUnsafeBufferPointer { xp in
                scale.withUnsafeMutableBufferPointer { sp in
                    shift.withUnsafeMutableBufferPointer { hp in
                        let shared = UncheckedSendable(value: (xp.baseAddress!, sp.baseAddress!, hp.baseAddress!))
                        parallelFor(n * groups, work: n * c * hw) { item in
                            let (xb, sb, hb) = shared.value
                            let first = (item / groups) * c + (item % groups) * perGroup
                            let channel = (item % groups) * perGroup
                            weight.withUnsafeBufferPointer { w in
                                bias.withUnsafeBufferPointer { b in
                                    lz_group_norm_coefficients(
                                        xb + first * hw, Int32(perGroup), hw, w.baseAddress! + channel, b.baseAddress! + channel, eps,
                                        sb + first, hb + first)
                                }
                            }
                        }
                    }
                }
            }
        }
        return WinogradPrologue(scale: scale, shift: shift, silu: silu)
    }

    /// x is (N, C, H, W); `silu` fuses the activation that follows in every caller but one.
    func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        var y = x
        KernelProfile.measure(.groupNorm) {
            groupNorm(
                &y.data, n: x.shape[0], c: x.shape[1], hw: x.shape[2] * x.shape[3], groups: groups, eps: eps,
                weight: weight, bias: bias, silu: silu)
        }
        return y
    }
}

/// torch.nn.LayerNorm over the last dimension.
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let dim: Int
    let eps: Float

    init(_ store: WeightStore, _ prefix: String, dim: Int, eps: Float = 1e-5) throws {
        weight = try store.tensor(prefix + ".weight", shape: [dim])
        bias = try store.tensor(prefix + ".bias", shape: [dim])
        self.dim = dim
        self.eps = eps
    }

    func callAsFunction(_ x: [Float]) -> [Float] {
        KernelProfile.measure(.layerNorm) { layerNorm(x, rows: x.count / dim, dim: dim, weight: weight, bias: bias, eps: eps) }
    }
}
