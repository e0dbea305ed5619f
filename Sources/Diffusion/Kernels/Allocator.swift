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

/// An array of `count` floats left unwritten, for outputs that a kernel overwrites in full
/// (zeroing first would be one more pass over memory the size of the tensor).
@inline(__always)
func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
