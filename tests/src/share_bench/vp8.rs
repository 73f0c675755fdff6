//! VP8 decoding with libvpx, loaded at run time (as the agent loads its
//! encoder): the headless viewer decodes every picture as a browser's
//! `VideoDecoder` would, and reads the marks from the luma plane.

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_void};

use libloading::{Library, Symbol};

/// Names tried in order: Debian's `libvpx7` package, then a development
/// symlink.
const LIBRARY_NAMES: [&str; 2] = ["libvpx.so.7", "libvpx.so"];

/// `VPX_DECODER_ABI_VERSION` of libvpx 1.8 to 1.14: 3 + codec ABI (4 +
/// image ABI 5).
const DECODER_ABI_VERSION: c_int = 12;

/// `vpx_codec_ctx_t` (vpx_codec.h), filled by the library.
#[repr(C)]
struct CodecContext {
    name: *const c_char,
    iface: *const c_void,
    err: c_int,
    err_detail: *const c_char,
    init_flags: c_long,
    config: *const c_void,
    private: *mut c_void,
}

/// `vpx_codec_dec_cfg_t`.
#[repr(C)]
struct DecoderConfig {
    threads: c_uint,
    w: c_uint,
    h: c_uint,
}

/// `vpx_image_t` (vpx_image.h, image ABI 5), read-only here.
#[repr(C)]
struct Image {
    fmt: c_int,
    cs: c_int,
    range: c_int,
    w: c_uint,
    h: c_uint,
    bit_depth: c_uint,
    d_w: c_uint,
    d_h: c_uint,
    r_w: c_uint,
    r_h: c_uint,
    x_chroma_shift: c_uint,
    y_chroma_shift: c_uint,
    planes: [*mut u8; 4],
    stride: [c_int; 4],
    bps: c_int,
    user_priv: *mut c_void,
    img_data: *mut u8,
    img_data_owner: c_int,
    self_allocd: c_int,
    fb_priv: *mut c_void,
}

type InterfaceFn = unsafe extern "C" fn() -> *const c_void;
type InitFn = unsafe extern "C" fn(
    *mut CodecContext,
    *const c_void,
    *const DecoderConfig,
    c_long,
    c_int,
) -> c_int;
type DecodeFn =
    unsafe extern "C" fn(*mut CodecContext, *const u8, c_uint, *mut c_void, c_long) -> c_int;
type GetFrameFn = unsafe extern "C" fn(*mut CodecContext, *mut *const c_void) -> *const Image;
type DestroyFn = unsafe extern "C" fn(*mut CodecContext) -> c_int;
type ErrorFn = unsafe extern "C" fn(*const CodecContext) -> *const c_char;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Vp8Error {
    #[error("libvpx is not installed here ({0}); install the libvpx7 package")]
    Missing(String),
    #[error("libvpx lacks {0}")]
    Symbol(&'static str),
    #[error("the VP8 decoder does not start: {0}")]
    Init(String),
    #[error("the picture does not decode: {0}")]
    Decode(String),
    #[error("a picture of {0} bytes is larger than libvpx takes")]
    TooLarge(usize),
}

/// A decoded picture's luma plane, copied out of the decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Luma {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// One VP8 decoder (one stream's pictures, in order).
pub struct Vp8Decoder {
    context: Box<CodecContext>,
    decode: DecodeFn,
    get_frame: GetFrameFn,
    destroy: DestroyFn,
    error: ErrorFn,
    // Last: the functions above point into it.
    _library: Library,
}

fn symbol<T: Copy>(library: &Library, name: &'static str) -> Result<T, Vp8Error> {
    // SAFETY: each name is looked up with the signature vpx_decoder.h and
    // vpx_codec.h give it.
    let found: Symbol<T> =
        unsafe { library.get(name.as_bytes()) }.map_err(|_| Vp8Error::Symbol(name))?;
    Ok(*found)
}

impl Vp8Decoder {
    pub fn new() -> Result<Vp8Decoder, Vp8Error> {
        let mut failures = Vec::new();
        let library = LIBRARY_NAMES
            .iter()
            .find_map(|name| {
                // SAFETY: loading libvpx runs no initialisation code with
                // requirements of ours.
                unsafe { Library::new(name) }
                    .map_err(|error| failures.push(error.to_string()))
                    .ok()
            })
            .ok_or_else(|| Vp8Error::Missing(failures.join("; ")))?;
        Vp8Decoder::with_library(library)
    }

    fn with_library(library: Library) -> Result<Vp8Decoder, Vp8Error> {
        let interface: InterfaceFn = symbol(&library, "vpx_codec_vp8_dx")?;
        let init: InitFn = symbol(&library, "vpx_codec_dec_init_ver")?;
        let decode = symbol(&library, "vpx_codec_decode")?;
        let get_frame = symbol(&library, "vpx_codec_get_frame")?;
        let destroy = symbol(&library, "vpx_codec_destroy")?;
        let error: ErrorFn = symbol(&library, "vpx_codec_error")?;
        let mut context = Box::new(CodecContext {
            name: std::ptr::null(),
            iface: std::ptr::null(),
            err: 0,
            err_detail: std::ptr::null(),
            init_flags: 0,
            config: std::ptr::null(),
            private: std::ptr::null_mut(),
        });
        // One thread, as a browser's decoder of one small stream.
        let config = DecoderConfig {
            threads: 1,
            w: 0,
            h: 0,
        };
        // SAFETY: the context and configuration are live and laid out as
        // the ABI version passed says.
        let status = unsafe { init(&mut *context, interface(), &config, 0, DECODER_ABI_VERSION) };
        if status != 0 {
            // SAFETY: vpx_codec_error reads the context it was given.
            let why = unsafe { message(error(&*context)) };
            return Err(Vp8Error::Init(why));
        }
        Ok(Vp8Decoder {
            context,
            decode,
            get_frame,
            destroy,
            error,
            _library: library,
        })
    }

    /// Decodes one picture; `None` when the data decoded to no picture.
    pub fn decode(&mut self, data: &[u8]) -> Result<Option<Luma>, Vp8Error> {
        let size = c_uint::try_from(data.len()).map_err(|_| Vp8Error::TooLarge(data.len()))?;
        // SAFETY: the context was initialised; libvpx reads `size` bytes
        // of `data` during the call only.
        let status = unsafe {
            (self.decode)(
                &mut *self.context,
                data.as_ptr(),
                size,
                std::ptr::null_mut(),
                0,
            )
        };
        if status != 0 {
            // SAFETY: as in `new`.
            let why = unsafe { message((self.error)(&*self.context)) };
            return Err(Vp8Error::Decode(why));
        }
        let mut iterator: *const c_void = std::ptr::null();
        let mut newest = None;
        loop {
            // SAFETY: the iterator starts null and is only advanced by
            // libvpx; each image is read before the next call.
            let image = unsafe { (self.get_frame)(&mut *self.context, &mut iterator) };
            // SAFETY: a non-null image stays valid until the next decode.
            let Some(image) = (unsafe { image.as_ref() }) else {
                break;
            };
            newest = Some(copy_luma(image));
        }
        Ok(newest)
    }
}

/// The luma plane of `image` (8-bit formats: VP8 decodes to I420).
fn copy_luma(image: &Image) -> Luma {
    let (width, height) = (image.d_w, image.d_h);
    let stride = image.stride[0] as usize;
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for row in 0..height as usize {
        // SAFETY: the Y plane holds `d_h` rows of `stride` bytes, each with
        // at least `d_w` pixels.
        let line = unsafe {
            std::slice::from_raw_parts(image.planes[0].add(row * stride), width as usize)
        };
        pixels.extend_from_slice(line);
    }
    Luma {
        width,
        height,
        pixels,
    }
}

/// # Safety
/// `text` is null or a NUL-terminated string that outlives the call.
unsafe fn message(text: *const c_char) -> String {
    if text.is_null() {
        return "no reason given".into();
    }
    // SAFETY: as the function's contract says.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised and is destroyed once.
        unsafe {
            (self.destroy)(&mut *self.context);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_that_is_no_vp8_is_an_error_and_the_decoder_goes_on() {
        let mut decoder = Vp8Decoder::new().expect("libvpx7 is installed by the test set-up");
        let error = decoder
            .decode(b"this is not a VP8 frame at all")
            .expect_err("garbage");
        assert!(matches!(error, Vp8Error::Decode(_)), "{error}");
        assert!(matches!(
            decoder.decode(&[0u8; 3]),
            Err(Vp8Error::Decode(_))
        ));
    }

    #[test]
    fn a_library_without_the_decoder_says_which_symbol_it_lacks() {
        // The C library is loaded and lacks every libvpx symbol.
        // SAFETY: loading libc again runs nothing new.
        let libc = unsafe { Library::new("libc.so.6") }.expect("libc");
        let Err(error) = Vp8Decoder::with_library(libc) else {
            panic!("libc is no VP8 decoder");
        };
        assert_eq!(error, Vp8Error::Symbol("vpx_codec_vp8_dx"));
    }
}
