#if canImport(Glibc)
    import Glibc
#endif

/// Makes glibc keep freed tensor memory for reuse instead of returning every large block
/// to the kernel: by default each allocation over 128 KiB is a fresh mmap whose pages
/// are faulted in and zeroed again on every layer. Process-wide; call once, first thing
/// in an executable's main (before other threads start): with one arena, the pool threads
/// that run the models share the main heap, where the limits below apply, instead of
/// 64 MiB per-thread heaps that send every larger tensor to a fresh mmap (a 512×512 U-Net
/// step faulted in 1 GB that way). (mallopt is looked up at run time because
/// <malloc.h> is not part of Swift's Glibc module.)
public func configureAllocatorForLargeTensors() {
    #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(sym, to: Mallopt.self)
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        _ = mallopt(mmapThreshold, 1 << 30)
        _ = mallopt(trimThreshold, 1 << 30)
        _ = mallopt(arenaMax, 1)
    #endif
}

/// Hands the heap's free pages back to the kernel (glibc's malloc_trim), which the limits
/// above otherwise keep: called between the denoising loop and the VAE decode, so that the
/// decoder's large tensors add to the weights alone, not to the U-Net's freed activations
/// as well. The next denoising loop faults its pages in again once, a few milliseconds.
public func releaseFreeHeapMemory() {
    #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "malloc_trim") else { return }
        _ = unsafeBitCast(sym, to: MallocTrim.self)(0)
    #endif
}

/// Returns to the kernel the whole pages of an array's storage past its count (after
/// `removeLast` shrank it in place), keeping the allocation: touched again, they would come
/// back as zeros, but nothing reads past an array's count.
func releaseUnusedCapacity(of array: inout [Float]) {
    #if canImport(Glibc)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let used = UInt(bitPattern: base + buffer.count)
            let end = UInt(bitPattern: base + capacity)
            let first = (used + UInt(page) - 1) / UInt(page) * UInt(page)
            let last = end / UInt(page) * UInt(page)
            if last > first { _ = madvise(UnsafeMutableRawPointer(bitPattern: first), Int(last - first), MADV_DONTNEED) }
        }
    #endif
}

/// An array of `count` floats left unwritten, for outputs that a kernel overwrites in full
/// (zeroing first would be one more pass over memory the size of the tensor).
@inline(__always)
func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
