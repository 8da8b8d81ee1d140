// JPEG decoding with libjpeg(-turbo), safe on corrupt input without setjmp.
//
// libjpeg reports fatal errors through `error_exit`, which must not return. The usual C answer
// is longjmp; Swift cannot call setjmp. Instead, each decode runs on a thread of its own, and
// our `error_exit` records libjpeg's message and ends that thread with pthread_exit — which,
// like the longjmp, abandons the libjpeg call stack. The caller joins the thread, then destroys
// the decompressor (jpeg_destroy_decompress frees all of libjpeg's memory, exactly as after a
// longjmp) and throws. The decoding thread's frames hold only raw pointers (no Swift
// references), so nothing leaks when they are abandoned. Warnings (corrupt or truncated data,
// which libjpeg would paper over with grey) are recorded too and turned into errors.

import Foundation
import CJPEG
#if canImport(Glibc)
import Glibc
#endif

/// Everything the decoding thread reads and writes; plain values and raw pointers only.
private struct JPEGJob {
    var cinfo: UnsafeMutablePointer<jpeg_decompress_struct>
    var data: UnsafePointer<UInt8>
    var count: Int
    var maxPixels: Int
    var pixels: UnsafeMutablePointer<UInt8>? = nil
    var width = 0
    var height = 0
    var failed = false
    var tooLarge = false
    var message: UnsafeMutablePointer<CChar>
    var warning: UnsafeMutablePointer<CChar>
}

enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> RGBImage {
        guard let base = bytes.baseAddress, bytes.count >= 4 else {
            throw RuntimeError(file: name, "corrupt JPEG: only \(bytes.count) bytes")
        }
        try precheck(bytes, name: name)

        let cinfo = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
        let err = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: Int(JMSG_LENGTH_MAX) + 1)
        let warning = UnsafeMutablePointer<CChar>.allocate(capacity: Int(JMSG_LENGTH_MAX) + 1)
        let job = UnsafeMutablePointer<JPEGJob>.allocate(capacity: 1)
        UnsafeMutableRawPointer(cinfo).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<jpeg_decompress_struct>.size)
        UnsafeMutableRawPointer(err).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<jpeg_error_mgr>.size)
        message.initialize(repeating: 0, count: Int(JMSG_LENGTH_MAX) + 1)
        warning.initialize(repeating: 0, count: Int(JMSG_LENGTH_MAX) + 1)
        job.initialize(to: JPEGJob(cinfo: cinfo, data: base.assumingMemoryBound(to: UInt8.self), count: bytes.count,
                                   maxPixels: maxPixels, message: message, warning: warning))
        defer {
            if let p = job.pointee.pixels { free(p) }
            job.deinitialize(count: 1); job.deallocate()
            message.deallocate(); warning.deallocate()
            err.deallocate(); cinfo.deallocate()
        }

        _ = jpeg_std_error(err)
        err.pointee.error_exit = { common in
            // Record the message, then abandon the decoding thread's stack.
            if let common, let job = common.pointee.client_data?.assumingMemoryBound(to: JPEGJob.self) {
                common.pointee.err.pointee.format_message(common, job.pointee.message)
                job.pointee.failed = true
            }
            pthread_exit(nil)
        }
        err.pointee.emit_message = { common, level in
            guard let common, level < 0 else { return }  // trace messages: ignore
            let e = common.pointee.err!
            if e.pointee.num_warnings == 0,
               let job = common.pointee.client_data?.assumingMemoryBound(to: JPEGJob.self) {
                e.pointee.format_message(common, job.pointee.warning)
            }
            e.pointee.num_warnings += 1
        }
        err.pointee.output_message = { _ in }
        cinfo.pointee.err = err
        cinfo.pointee.client_data = UnsafeMutableRawPointer(job)

        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            JPEGDecoder.run(arg!.assumingMemoryBound(to: JPEGJob.self))
            return nil
        }, UnsafeMutableRawPointer(job))
        guard rc == 0 else {
            throw RuntimeError(file: name, "cannot start the JPEG decoding thread (error \(rc))")
        }
        pthread_join(thread, nil)
        jpeg_destroy_decompress(cinfo)

        let j = job.pointee
        if j.tooLarge {
            throw RuntimeError(file: name, "JPEG of \(j.width)x\(j.height) pixels is larger than the limit of \(maxPixels) pixels")
        }
        if j.failed {
            throw RuntimeError(file: name, "corrupt or unsupported JPEG: \(String(cString: message))")
        }
        if err.pointee.num_warnings > 0 {
            throw RuntimeError(file: name, "corrupt JPEG data: \(String(cString: warning))")
        }
        guard let pixels = j.pixels else {
            throw RuntimeError(file: name, "JPEG decoding produced no image")
        }
        return RGBImage(width: j.width, height: j.height,
                        pixels: Array(UnsafeBufferPointer(start: pixels, count: j.width * j.height * 3)))
    }

    /// The decoding thread's body. May not return (libjpeg errors end the thread).
    private static func run(_ job: UnsafeMutablePointer<JPEGJob>) {
        let cinfo = job.pointee.cinfo
        jpeg_CreateDecompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
        jpeg_mem_src(cinfo, job.pointee.data, UInt(job.pointee.count))
        _ = jpeg_read_header(cinfo, 1)
        let w = Int(cinfo.pointee.image_width), h = Int(cinfo.pointee.image_height)
        job.pointee.width = w
        job.pointee.height = h
        if w == 0 || h == 0 || w.multipliedReportingOverflow(by: h).overflow || w * h > job.pointee.maxPixels {
            job.pointee.tooLarge = w > 0 && h > 0
            if !job.pointee.tooLarge {
                job.pointee.failed = true
                _ = "empty image".withCString { strncpy(job.pointee.message, $0, Int(JMSG_LENGTH_MAX)) }
            }
            return
        }
        cinfo.pointee.out_color_space = JCS_RGB
        _ = jpeg_start_decompress(cinfo)
        let ow = Int(cinfo.pointee.output_width), oh = Int(cinfo.pointee.output_height)
        guard cinfo.pointee.output_components == 3, ow == w, oh == h else {
            job.pointee.failed = true
            _ = "unexpected output layout".withCString { strncpy(job.pointee.message, $0, Int(JMSG_LENGTH_MAX)) }
            return
        }
        guard let pixels = malloc(w * h * 3)?.assumingMemoryBound(to: UInt8.self) else {
            job.pointee.failed = true
            _ = "out of memory".withCString { strncpy(job.pointee.message, $0, Int(JMSG_LENGTH_MAX)) }
            return
        }
        job.pointee.pixels = pixels
        var row: UnsafeMutablePointer<UInt8>? = nil
        while Int(cinfo.pointee.output_scanline) < h {
            row = pixels + Int(cinfo.pointee.output_scanline) * w * 3
            let n = withUnsafeMutablePointer(to: &row) { jpeg_read_scanlines(cinfo, $0, 1) }
            if n == 0 { break }
        }
        _ = jpeg_finish_decompress(cinfo)
    }

    /// Cheap structural checks before libjpeg sees the bytes: SOI, then well-formed marker
    /// segments up to the first SOS.
    private static func precheck(_ b: UnsafeRawBufferPointer, name: String) throws {
        guard b[0] == 0xFF, b[1] == 0xD8 else { throw RuntimeError(file: name, "not a JPEG: no SOI marker") }
        var i = 2
        while true {
            guard i + 4 <= b.count else { throw RuntimeError(file: name, "truncated JPEG: ends in the headers (at byte \(i))") }
            guard b[i] == 0xFF else { throw RuntimeError(file: name, "corrupt JPEG: expected a marker at byte \(i)") }
            var m = b[i + 1]
            while m == 0xFF, i + 2 < b.count - 2 { i += 1; m = b[i + 1] }  // fill bytes
            if m == 0xD9 { throw RuntimeError(file: name, "corrupt JPEG: EOI before any image data") }
            if (0xD0...0xD7).contains(m) || m == 0x01 { i += 2; continue }
            let len = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard len >= 2, i + 2 + len <= b.count else {
                throw RuntimeError(file: name, "truncated or corrupt JPEG: segment 0x\(String(m, radix: 16, uppercase: true)) at byte \(i) has length \(len), past the end")
            }
            if m == 0xDA { return }  // start of scan: entropy-coded data follows
            i += 2 + len
        }
    }
}
