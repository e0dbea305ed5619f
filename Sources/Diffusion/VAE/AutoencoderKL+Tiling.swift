/// Matches diffusers `AutoencoderKL.tiled_decode`, `blend_v` and `blend_h`
/// (src/diffusers/models/autoencoders/autoencoder_kl.py), seams included: the latent is cut
/// into overlapping tiles of `tileLatentMinSize`, each decoded alone (post_quant_conv
/// too), and every tile's first `blendExtent` pixel rows and columns fade in from the tile
/// above and the tile to the left, already blended, before it is cropped to `rowLimit`.
/// Peak memory is then one tile's decode (512² for SD 1.5) whatever the image size.
/// Differs from diffusers only where diffusers fails: a list `sample_size` (its first entry
/// is the tile here) and tiles of one latent (stride 1 here; diffusers' range step is 0).
extension AutoencoderKL {
    /// diffusers' `tile_sample_min_size`: the tile in pixels, the config's sample size.
    public var tileSampleMinSize: Int { config.sampleSize }
    /// diffusers' `tile_latent_min_size`: int(sample_size / 2^(levels − 1)).
    public var tileLatentMinSize: Int { Int(Double(config.sampleSize) / Double(1 << (config.blockOutChannels.count - 1))) }
    /// diffusers' `tile_overlap_factor`.
    public var tileOverlapFactor: Double { 0.25 }

    /// z is (N, 4, h, w); returns diffusers' tiled decode: (N, 3, 8h, 8w) for SD's four levels
    /// and any sample size that is a multiple of 32; otherwise the crop (row limit) need not be
    /// 8 × the tile stride and, as in diffusers, the image comes out larger.
    public func tiledDecode(_ z: Tensor) -> Tensor {
        let (h, w) = (z.shape[2], z.shape[3])
        let tile = tileLatentMinSize
        let overlapSize = max(1, Int(Double(tile) * (1 - tileOverlapFactor)))
        let blendExtent = Int(Double(tileSampleMinSize) * tileOverlapFactor)
        let rowLimit = tileSampleMinSize - blendExtent
        // Row by row: a tile needs only the blended row above it, so earlier rows are dropped.
        var above: [Tensor] = []
        var resultRows: [Tensor] = []
        for i in stride(from: 0, to: h, by: overlapSize) {
            var row: [Tensor] = []
            for j in stride(from: 0, to: w, by: overlapSize) {
                var latent = z.window(rows: i..<min(i + tile, h), columns: j..<min(j + tile, w))
                if let postQuantConv { latent = postQuantConv(latent) }
                var decoded = decoder(latent)
                if !above.isEmpty { Self.blendV(above[row.count], &decoded, blendExtent) }
                if let left = row.last { Self.blendH(left, &decoded, blendExtent) }
                row.append(decoded)
            }
            resultRows.append(Tensor.concatenatingColumns(row.map { $0.window(rows: 0..<min(rowLimit, $0.shape[2]), columns: 0..<min(rowLimit, $0.shape[3])) }))
            above = row
        }
        return Tensor.concatenatingRows(resultRows)
    }

    /// diffusers' `blend_v`: b's first rows fade from a's last rows to b's own. The weights are
    /// Python floats that torch rounds to float32 before multiplying, as here.
    static func blendV(_ a: Tensor, _ b: inout Tensor, _ blendExtent: Int) {
        let extent = min(a.shape[2], b.shape[2], blendExtent)
        let (planes, ah, bh, width) = (b.shape[0] * b.shape[1], a.shape[2], b.shape[2], b.shape[3])
        for y in 0..<extent {
            let (wa, wb) = (Float(1 - Double(y) / Double(extent)), Float(Double(y) / Double(extent)))
            for p in 0..<planes {
                let (ai, bi) = ((p * ah + ah - extent + y) * width, (p * bh + y) * width)
                for x in 0..<width { b.data[bi + x] = a.data[ai + x] * wa + b.data[bi + x] * wb }
            }
        }
    }

    /// diffusers' `blend_h`: b's first columns fade from a's last columns to b's own.
    static func blendH(_ a: Tensor, _ b: inout Tensor, _ blendExtent: Int) {
        let extent = min(a.shape[3], b.shape[3], blendExtent)
        let (rows, aw, bw) = (b.shape[0] * b.shape[1] * b.shape[2], a.shape[3], b.shape[3])
        for x in 0..<extent {
            let (wa, wb) = (Float(1 - Double(x) / Double(extent)), Float(Double(x) / Double(extent)))
            for r in 0..<rows { b.data[r * bw + x] = a.data[r * aw + aw - extent + x] * wa + b.data[r * bw + x] * wb }
        }
    }
}
