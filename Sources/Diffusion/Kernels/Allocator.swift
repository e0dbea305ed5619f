#if canImport(Glibc)
    import Glibc
#endif

/// Makes glibc keep freed tensor memory for reuse instead of returning every large block
/// to the kernel: by default each allocation over 128 KiB is a fresh mmap whose pages
/// are faulted in and zeroed again on every layer. Process-wide; call once from an
/// executable, before loading a model. (mallopt is looked up at run time because
/// <malloc.h> is not part of Swift's Glibc module.)
public func configureAllocatorForLargeTensors() {
    #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(sym, to: Mallopt.self)
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        _ = mallopt(mmapThreshold, 1 << 30)
        _ = mallopt(trimThreshold, 1 << 30)
    #endif
}
