//! VP8 through libvpx, **loaded at run time** with `libloading`: the agent
//! runs on computers without development packages and without libvpx at
//! all. It tries `libvpx.so.7`, `libvpx.so.8`, `libvpx.so.9`, then
//! `libvpx.so`, and keeps the first that opens an encoder. The structures
//! below are those of libvpx 1.12 (`/usr/include/vpx`, encoder ABI 25;
//! Debian 12's `libvpx7`); a libvpx with another encoder ABI refuses them
//! (`VPX_CODEC_ABI_MISMATCH`) and the agent says so and sends JPEG
//! pictures instead (see [`super::best`]).
//!
//! Settings for sharing a window live: realtime deadline, constant bit
//! rate sized to the window, one thread, error-resilient, no frame lag and
//! no dropped frames (pacing already keeps only the newest picture), and
//! keyframes when asked.
//!
//! All of the agent's unsafe code for VP8 is in this file.

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::ptr;
use std::sync::OnceLock;
use std::time::Instant;

use libloading::Library;

use super::yuv::I420;
use super::{Codec, EncodeError, Encoded, Encoder, checked};
use crate::apps::capture::Pixels;

/// Tried in this order; the first that encodes is kept for the agent's life.
pub const LIBRARY_NAMES: [&str; 4] = ["libvpx.so.7", "libvpx.so.8", "libvpx.so.9", "libvpx.so"];

/// `VPX_ENCODER_ABI_VERSION` as libvpx 1.12's headers compute it:
/// 15 + `VPX_CODEC_ABI_VERSION` (4 + `VPX_IMAGE_ABI_VERSION` 5) +
/// `VPX_EXT_RATECTRL_ABI_VERSION` 1.
const ENCODER_ABI_VERSION: c_int = 15 + (4 + 5) + 1;

/// Bits per pixel per frame the bit rate is sized for, at 30 frames/s.
const BITS_PER_PIXEL_FRAME: f64 = 0.1;
/// Bounds of the bit rate, in kbit/s: legible when small, bounded when huge.
const MIN_KBPS: u32 = 300;
const MAX_KBPS: u32 = 8_000;
/// libvpx's realtime speed for VP8 (`cpu-used`, up to 16): the fastest.
/// Most of the agent's processor time at full motion is libvpx's; at 16 it
/// searches least (motion, modes), which a window's content — text, flat
/// areas, scrolling — loses little by, and the constant bit rate holds
/// the size.
const CPU_USED: c_int = 16;

/// The target bit rate (kbit/s) for a window of `width`×`height`.
pub fn target_kbps(width: u16, height: u16) -> u32 {
    let bits_per_second = f64::from(width) * f64::from(height) * BITS_PER_PIXEL_FRAME * 30.0;
    // Saturating cast, then the bounds.
    ((bits_per_second / 1000.0) as u32).clamp(MIN_KBPS, MAX_KBPS)
}

// ---- libvpx 1.12's C definitions (vpx_codec.h, vpx_image.h, vpx_encoder.h) ----

type CodecErr = c_int;
const VPX_CODEC_OK: CodecErr = 0;
const VPX_CODEC_ABI_MISMATCH: CodecErr = 3;

/// `vpx_codec_iface_t` is opaque.
#[repr(C)]
struct CodecIface {
    _private: [u8; 0],
}

/// `vpx_codec_ctx_t`.
#[repr(C)]
struct CodecContext {
    name: *const c_char,
    iface: *const CodecIface,
    err: CodecErr,
    err_detail: *const c_char,
    init_flags: c_long,
    config: *const c_void,
    private: *mut c_void,
}

/// `vpx_rational_t`.
#[repr(C)]
#[derive(Clone, Copy)]
struct Rational {
    num: c_int,
    den: c_int,
}

/// `vpx_fixed_buf_t`.
#[repr(C)]
#[derive(Clone, Copy)]
struct FixedBuf {
    buf: *mut c_void,
    sz: usize,
}

/// `vpx_codec_enc_cfg_t` of libvpx 1.12 (504 bytes on x86-64).
#[repr(C)]
#[derive(Clone, Copy)]
struct EncoderConfig {
    g_usage: c_uint,
    g_threads: c_uint,
    g_profile: c_uint,
    g_w: c_uint,
    g_h: c_uint,
    g_bit_depth: c_int,
    g_input_bit_depth: c_uint,
    g_timebase: Rational,
    g_error_resilient: u32,
    g_pass: c_int,
    g_lag_in_frames: c_uint,
    rc_dropframe_thresh: c_uint,
    rc_resize_allowed: c_uint,
    rc_scaled_width: c_uint,
    rc_scaled_height: c_uint,
    rc_resize_up_thresh: c_uint,
    rc_resize_down_thresh: c_uint,
    rc_end_usage: c_int,
    rc_twopass_stats_in: FixedBuf,
    rc_firstpass_mb_stats_in: FixedBuf,
    rc_target_bitrate: c_uint,
    rc_min_quantizer: c_uint,
    rc_max_quantizer: c_uint,
    rc_undershoot_pct: c_uint,
    rc_overshoot_pct: c_uint,
    rc_buf_sz: c_uint,
    rc_buf_initial_sz: c_uint,
    rc_buf_optimal_sz: c_uint,
    rc_2pass_vbr_bias_pct: c_uint,
    rc_2pass_vbr_minsection_pct: c_uint,
    rc_2pass_vbr_maxsection_pct: c_uint,
    rc_2pass_vbr_corpus_complexity: c_uint,
    kf_mode: c_int,
    kf_min_dist: c_uint,
    kf_max_dist: c_uint,
    ss_number_layers: c_uint,
    ss_enable_auto_alt_ref: [c_int; 5],
    ss_target_bitrate: [c_uint; 5],
    ts_number_layers: c_uint,
    ts_target_bitrate: [c_uint; 5],
    ts_rate_decimator: [c_uint; 5],
    ts_periodicity: c_uint,
    ts_layer_id: [c_uint; 16],
    layer_target_bitrate: [c_uint; 12],
    temporal_layering_mode: c_int,
    use_vizier_rc_params: c_int,
    /// `active_wq_factor` … `rd_mult_key_qp_fac`: fifteen rationals this
    /// agent leaves at libvpx's defaults.
    vizier_factors: [Rational; 15],
}

/// The configuration with room behind it: `vpx_codec_enc_config_default`
/// writes the *library's* structure, which a newer libvpx may have grown,
/// before the ABI check at initialisation can refuse that library.
#[repr(C)]
struct ConfigSpace {
    config: EncoderConfig,
    _room: [u8; 2048],
}

/// `vpx_image_t`.
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

const VPX_IMG_FMT_PLANAR: c_int = 0x100;
const VPX_IMG_FMT_I420: c_int = VPX_IMG_FMT_PLANAR | 2;
const VPX_CS_BT_601: c_int = 1;
const VPX_CR_STUDIO_RANGE: c_int = 0;

/// `vpx_codec_cx_pkt_t`: the kind, then a 128-byte union of which only
/// the compressed-frame member is read.
#[repr(C)]
struct Packet {
    kind: c_int,
    frame: FramePacket,
}

/// The `frame` member of the packet's union (padded to the union's size).
#[repr(C)]
struct FramePacket {
    buf: *mut c_void,
    sz: usize,
    pts: i64,
    duration: c_ulong,
    flags: u32,
    partition_id: c_int,
    width: [c_uint; 5],
    height: [c_uint; 5],
    spatial_layer_encoded: [u8; 5],
    /// The rest of the union's 128 bytes.
    _rest: [u8; 128 - 85],
}

const VPX_CODEC_CX_FRAME_PKT: c_int = 0;
const VPX_FRAME_IS_KEY: u32 = 0x1;
const VPX_EFLAG_FORCE_KF: c_long = 1;
const VPX_DL_REALTIME: c_ulong = 1;
const VPX_ERROR_RESILIENT_DEFAULT: u32 = 0x1;
const VPX_RC_ONE_PASS: c_int = 0;
const VPX_CBR: c_int = 1;
const VPX_KF_AUTO: c_int = 1;
const VPX_BITS_8: c_int = 8;

/// `vp8e_enc_control_id` values (vp8cx.h).
const VP8E_SET_CPUUSED: c_int = 13;
const VP8E_SET_STATIC_THRESHOLD: c_int = 17;
const VP8E_SET_SCREEN_CONTENT_MODE: c_int = 31;

type IfaceFn = unsafe extern "C" fn() -> *const CodecIface;
type VersionStrFn = unsafe extern "C" fn() -> *const c_char;
type ConfigDefaultFn =
    unsafe extern "C" fn(*const CodecIface, *mut EncoderConfig, c_uint) -> CodecErr;
type EncInitFn = unsafe extern "C" fn(
    *mut CodecContext,
    *const CodecIface,
    *const EncoderConfig,
    c_long,
    c_int,
) -> CodecErr;
type EncodeFn = unsafe extern "C" fn(
    *mut CodecContext,
    *const Image,
    i64,
    c_ulong,
    c_long,
    c_ulong,
) -> CodecErr;
type GetCxDataFn = unsafe extern "C" fn(*mut CodecContext, *mut *const c_void) -> *const Packet;
type ControlFn = unsafe extern "C" fn(*mut CodecContext, c_int, ...) -> CodecErr;
type DestroyFn = unsafe extern "C" fn(*mut CodecContext) -> CodecErr;
type ErrorFn = unsafe extern "C" fn(*mut CodecContext) -> *const c_char;
type ErrToStringFn = unsafe extern "C" fn(CodecErr) -> *const c_char;

/// The loaded library and the functions the encoder calls.
struct Libvpx {
    /// Kept loaded: the function pointers point into it.
    _library: Library,
    file: &'static str,
    version: String,
    functions: Functions,
}

/// libvpx's encoder functions (valid while their library is loaded).
#[derive(Clone, Copy)]
struct Functions {
    vp8_cx: IfaceFn,
    config_default: ConfigDefaultFn,
    enc_init: EncInitFn,
    encode: EncodeFn,
    get_cx_data: GetCxDataFn,
    control: ControlFn,
    destroy: DestroyFn,
    error_detail: ErrorFn,
    err_to_string: ErrToStringFn,
}

impl Libvpx {
    /// Loads the first of `names` that opens an encoder; the error names
    /// each tried and why it was not kept.
    fn load_first(names: &[&'static str]) -> Result<Libvpx, String> {
        let mut reasons = Vec::new();
        for &file in names {
            match Libvpx::load(file).and_then(|vpx| vpx.probe().map(|()| vpx)) {
                Ok(vpx) => return Ok(vpx),
                Err(reason) => reasons.push(format!("{file}: {reason}")),
            }
        }
        Err(format!("no usable libvpx ({})", reasons.join("; ")))
    }

    fn load(file: &'static str) -> Result<Libvpx, String> {
        // SAFETY: libvpx's initialisers only set up its CPU feature tables;
        // loading it runs no other code.
        let library = unsafe { Library::new(file) }.map_err(|error| error.to_string())?;
        // SAFETY: each symbol is declared with the C signature libvpx 1.12's
        // headers give it; the pointers are used only while `library`
        // (moved into the returned value) stays loaded.
        unsafe {
            let version_str: VersionStrFn = *library
                .get(b"vpx_codec_version_str\0")
                .map_err(|e| e.to_string())?;
            let version = text(version_str()).unwrap_or_else(|| "(unknown version)".into());
            let functions = Functions {
                vp8_cx: *library
                    .get(b"vpx_codec_vp8_cx\0")
                    .map_err(|e| e.to_string())?,
                config_default: *library
                    .get(b"vpx_codec_enc_config_default\0")
                    .map_err(|e| e.to_string())?,
                enc_init: *library
                    .get(b"vpx_codec_enc_init_ver\0")
                    .map_err(|e| e.to_string())?,
                encode: *library
                    .get(b"vpx_codec_encode\0")
                    .map_err(|e| e.to_string())?,
                get_cx_data: *library
                    .get(b"vpx_codec_get_cx_data\0")
                    .map_err(|e| e.to_string())?,
                control: *library
                    .get(b"vpx_codec_control_\0")
                    .map_err(|e| e.to_string())?,
                destroy: *library
                    .get(b"vpx_codec_destroy\0")
                    .map_err(|e| e.to_string())?,
                error_detail: *library
                    .get(b"vpx_codec_error_detail\0")
                    .map_err(|e| e.to_string())?,
                err_to_string: *library
                    .get(b"vpx_codec_err_to_string\0")
                    .map_err(|e| e.to_string())?,
            };
            Ok(Libvpx {
                _library: library,
                file,
                version,
                functions,
            })
        }
    }

    /// Opens (and closes) a small encoder: proves this library accepts
    /// the 1.12 structures before the agent relies on it.
    fn probe(&self) -> Result<(), String> {
        Session::open(self, 16, 16)
            .map(drop)
            .map_err(|error| match error {
                EncodeError::Vp8(reason) => reason,
                other => other.to_string(),
            })
    }
}

impl Functions {
    /// libvpx's words for `code`, and its detail for `context` if any.
    fn describe(&self, code: CodecErr, context: Option<&mut CodecContext>) -> String {
        // SAFETY: `vpx_codec_err_to_string` returns a static string for
        // every value; `vpx_codec_error_detail` returns NULL or a string
        // owned by the live context.
        let words = unsafe { text((self.err_to_string)(code)) }.unwrap_or_default();
        let detail = context.and_then(|ctx| unsafe { text((self.error_detail)(ctx)) });
        match detail {
            Some(detail) => format!("{words} ({detail})"),
            None => words,
        }
    }
}

/// A C string as text; `None` for NULL or empty.
///
/// # Safety
/// `pointer` is NULL or points to a NUL-terminated string.
unsafe fn text(pointer: *const c_char) -> Option<String> {
    if pointer.is_null() {
        return None;
    }
    // SAFETY: as the caller promises.
    let text = unsafe { CStr::from_ptr(pointer) }
        .to_string_lossy()
        .into_owned();
    (!text.is_empty()).then_some(text)
}

/// The agent's libvpx, loaded once.
fn libvpx() -> Result<&'static Libvpx, EncodeError> {
    static LIBVPX: OnceLock<Result<Libvpx, String>> = OnceLock::new();
    LIBVPX
        .get_or_init(|| {
            let loaded = Libvpx::load_first(&LIBRARY_NAMES);
            if let Ok(vpx) = &loaded {
                tracing::info!(file = vpx.file, version = %vpx.version, "VP8 encoder loaded");
            }
            loaded
        })
        .as_ref()
        .map_err(|reason| EncodeError::Unavailable(reason.clone()))
}

/// One libvpx encoder for one picture size.
struct Session {
    vpx: Functions,
    /// Boxed: libvpx keeps pointers to the context (and, during
    /// initialisation, to the configuration), so neither may move.
    context: Box<CodecContext>,
    _config: Box<ConfigSpace>,
    started: Instant,
    last_pts: i64,
}

impl Session {
    fn open(library: &Libvpx, width: u16, height: u16) -> Result<Session, EncodeError> {
        let vpx = library.functions;
        // SAFETY: the context and configuration are plain C data for which
        // all-zero is the documented "not yet set" state.
        let mut context: Box<CodecContext> = Box::new(unsafe { std::mem::zeroed() });
        let mut space: Box<ConfigSpace> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `vpx_codec_vp8_cx` takes nothing and returns a static
        // interface; `vpx_codec_enc_config_default` writes one
        // configuration into `space`, which has room for a larger one.
        let iface = unsafe { (vpx.vp8_cx)() };
        let status = unsafe { (vpx.config_default)(iface, &mut space.config, 0) };
        if status != VPX_CODEC_OK {
            return Err(EncodeError::Vp8(format!(
                "no default configuration: {}",
                vpx.describe(status, None)
            )));
        }
        configure(&mut space.config, width, height);
        // SAFETY: `context` is zeroed and boxed; the configuration is the
        // library's default with this agent's fields set; the ABI version
        // makes a library of another layout refuse before reading it.
        let status =
            unsafe { (vpx.enc_init)(&mut *context, iface, &space.config, 0, ENCODER_ABI_VERSION) };
        if status == VPX_CODEC_ABI_MISMATCH {
            return Err(EncodeError::Vp8(format!(
                "libvpx {} speaks another encoder interface than libvpx 1.12's, which this agent is built for",
                library.version
            )));
        }
        if status != VPX_CODEC_OK {
            return Err(EncodeError::Vp8(format!(
                "the encoder did not start: {}",
                vpx.describe(status, Some(&mut context))
            )));
        }
        let mut session = Session {
            vpx,
            context,
            _config: space,
            started: Instant::now(),
            last_pts: -1,
        };
        for (control, value) in [
            (VP8E_SET_CPUUSED, CPU_USED),
            // Blocks that did not change are skipped: most of a window.
            (VP8E_SET_STATIC_THRESHOLD, 1),
            (VP8E_SET_SCREEN_CONTENT_MODE, 1),
        ] {
            // SAFETY: the context is initialised; each of these controls
            // takes one `int` (vp8cx.h `VPX_CTRL_USE_TYPE(..., int)`).
            let status = unsafe { (vpx.control)(&mut *session.context, control, value) };
            if status != VPX_CODEC_OK {
                return Err(EncodeError::Vp8(format!(
                    "setting control {control} failed: {}",
                    vpx.describe(status, Some(&mut session.context))
                )));
            }
        }
        Ok(session)
    }

    /// Encodes `picture`; the encoded bytes and whether they are a keyframe.
    fn encode(&mut self, picture: &mut I420, keyframe: bool) -> Result<Encoded, EncodeError> {
        // Milliseconds since the start, strictly increasing: the rate
        // control spends bits by the time between pictures.
        let now = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let pts = now.max(self.last_pts + 1);
        let duration = c_ulong::try_from(pts - self.last_pts.max(0))
            .unwrap_or(1)
            .max(1);
        self.last_pts = pts;
        let image = image_of(picture);
        let flags = if keyframe { VPX_EFLAG_FORCE_KF } else { 0 };
        // SAFETY: `image` points into `picture`'s planes, which are large
        // enough for its size and strides and outlive this call (libvpx
        // copies the picture: no frame lag is configured).
        let status = unsafe {
            (self.vpx.encode)(
                &mut *self.context,
                &image,
                pts,
                duration,
                flags,
                VPX_DL_REALTIME,
            )
        };
        if status != VPX_CODEC_OK {
            return Err(EncodeError::Vp8(
                self.vpx.describe(status, Some(&mut self.context)),
            ));
        }
        let mut encoded = Encoded {
            data: Vec::new(),
            keyframe: false,
        };
        let mut iterator: *const c_void = ptr::null();
        loop {
            // SAFETY: the iterator starts NULL and is only advanced by
            // libvpx; a returned packet stays valid until the next encode.
            let packet = unsafe { (self.vpx.get_cx_data)(&mut *self.context, &mut iterator) };
            // SAFETY: NULL ends the list; otherwise it is a packet.
            let Some(packet) = (unsafe { packet.as_ref() }) else {
                break;
            };
            if packet.kind != VPX_CODEC_CX_FRAME_PKT || packet.frame.buf.is_null() {
                continue;
            }
            // SAFETY: a frame packet's `buf` holds `sz` bytes.
            let bytes = unsafe {
                std::slice::from_raw_parts(packet.frame.buf.cast::<u8>(), packet.frame.sz)
            };
            encoded.data.extend_from_slice(bytes);
            encoded.keyframe |= packet.frame.flags & VPX_FRAME_IS_KEY != 0;
        }
        if encoded.data.is_empty() {
            return Err(EncodeError::Vp8("libvpx gave no picture".into()));
        }
        Ok(encoded)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `open` and is destroyed
        // once, here.
        unsafe { (self.vpx.destroy)(&mut *self.context) };
    }
}

/// The agent's settings on top of libvpx's defaults.
fn configure(config: &mut EncoderConfig, width: u16, height: u16) {
    config.g_threads = 1;
    config.g_w = c_uint::from(width);
    config.g_h = c_uint::from(height);
    config.g_bit_depth = VPX_BITS_8;
    config.g_input_bit_depth = 8;
    config.g_timebase = Rational { num: 1, den: 1000 };
    config.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
    config.g_pass = VPX_RC_ONE_PASS;
    config.g_lag_in_frames = 0;
    config.rc_dropframe_thresh = 0;
    config.rc_resize_allowed = 0;
    config.rc_end_usage = VPX_CBR;
    config.rc_target_bitrate = target_kbps(width, height);
    config.rc_min_quantizer = 4;
    config.rc_max_quantizer = 56;
    config.rc_undershoot_pct = 50;
    config.rc_overshoot_pct = 50;
    config.rc_buf_sz = 1000;
    config.rc_buf_initial_sz = 600;
    config.rc_buf_optimal_sz = 800;
    config.kf_mode = VPX_KF_AUTO;
    config.kf_min_dist = 0;
    // Keyframes come on request; one now and then keeps a stream that lost
    // a frame from staying broken.
    config.kf_max_dist = 3000;
}

/// A `vpx_image_t` describing `picture`'s planes (no copy).
fn image_of(picture: &mut I420) -> Image {
    let (y_stride, chroma_stride) = (picture.y_stride(), picture.chroma_stride());
    let stored_height = picture.stored_height();
    let (width, height) = (picture.width(), picture.height());
    let [y, u, v] = picture.planes_mut();
    Image {
        fmt: VPX_IMG_FMT_I420,
        cs: VPX_CS_BT_601,
        range: VPX_CR_STUDIO_RANGE,
        w: c_uint::try_from(y_stride).unwrap_or(c_uint::MAX),
        h: c_uint::try_from(stored_height).unwrap_or(c_uint::MAX),
        bit_depth: 8,
        d_w: c_uint::from(width),
        d_h: c_uint::from(height),
        r_w: 0,
        r_h: 0,
        x_chroma_shift: 1,
        y_chroma_shift: 1,
        planes: [
            y.as_mut_ptr(),
            u.as_mut_ptr(),
            v.as_mut_ptr(),
            ptr::null_mut(),
        ],
        stride: [
            c_int::try_from(y_stride).unwrap_or(c_int::MAX),
            c_int::try_from(chroma_stride).unwrap_or(c_int::MAX),
            c_int::try_from(chroma_stride).unwrap_or(c_int::MAX),
            0,
        ],
        bps: 12,
        user_priv: ptr::null_mut(),
        img_data: y.as_mut_ptr(),
        img_data_owner: 0,
        self_allocd: 0,
        fb_priv: ptr::null_mut(),
    }
}

/// The VP8 encoder: one libvpx session per picture size.
pub struct Vp8Encoder {
    vpx: &'static Libvpx,
    session: Option<Session>,
    picture: Option<I420>,
}

// SAFETY: a libvpx encoder context has no tie to the thread that made it;
// the encoder is used through `&mut self` only, so from one thread at a time.
unsafe impl Send for Vp8Encoder {}

impl Vp8Encoder {
    /// `Err` says why VP8 cannot be used on this computer.
    pub fn new() -> Result<Vp8Encoder, EncodeError> {
        Ok(Vp8Encoder {
            vpx: libvpx()?,
            session: None,
            picture: None,
        })
    }
}

impl Encoder for Vp8Encoder {
    fn codec(&self) -> Codec {
        Codec::Vp8
    }

    fn encode(&mut self, frame: &Pixels<'_>, keyframe: bool) -> Result<Encoded, EncodeError> {
        checked(frame)?;
        let size = (frame.width, frame.height);
        let same_size = self
            .picture
            .as_ref()
            .is_some_and(|p| (p.width(), p.height()) == size);
        let (picture, session, restarted) = match (&mut self.picture, &mut self.session) {
            (Some(picture), Some(session)) if same_size => (picture, session, false),
            (picture, session) => {
                // Drop the old session before opening the new one.
                *session = None;
                let opened = Session::open(self.vpx, frame.width, frame.height)?;
                (
                    picture.insert(I420::new(frame.width, frame.height)),
                    session.insert(opened),
                    true,
                )
            }
        };
        picture.fill_from_bgrx(frame.bgrx)?;
        let encoded = session.encode(picture, keyframe || restarted)?;
        if (keyframe || restarted) && !encoded.keyframe {
            return Err(EncodeError::Vp8(
                "a keyframe was asked for and not given".into(),
            ));
        }
        Ok(encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::encode::tests::solid;
    use std::mem::{offset_of, size_of};

    /// Sizes and offsets as gcc computes them from /usr/include/vpx
    /// (libvpx 1.12.0) on x86-64.
    #[test]
    fn structures_match_libvpx_1_12() {
        assert_eq!(ENCODER_ABI_VERSION, 25);
        assert_eq!(size_of::<EncoderConfig>(), 504);
        assert_eq!(offset_of!(EncoderConfig, g_timebase), 28);
        assert_eq!(offset_of!(EncoderConfig, g_error_resilient), 36);
        assert_eq!(offset_of!(EncoderConfig, rc_end_usage), 72);
        assert_eq!(offset_of!(EncoderConfig, rc_twopass_stats_in), 80);
        assert_eq!(offset_of!(EncoderConfig, rc_target_bitrate), 112);
        assert_eq!(offset_of!(EncoderConfig, kf_mode), 160);
        assert_eq!(offset_of!(EncoderConfig, kf_max_dist), 168);
        assert_eq!(offset_of!(EncoderConfig, layer_target_bitrate), 328);
        assert_eq!(offset_of!(EncoderConfig, vizier_factors) + 14 * 8, 496);
        assert_eq!(size_of::<Image>(), 136);
        assert_eq!(offset_of!(Image, planes), 48);
        assert_eq!(offset_of!(Image, stride), 80);
        assert_eq!(offset_of!(Image, fb_priv), 128);
        assert_eq!(size_of::<CodecContext>(), 56);
        assert_eq!(size_of::<Packet>(), 136);
        assert_eq!(offset_of!(Packet, frame), 8);
        assert_eq!(
            offset_of!(Packet, frame) + offset_of!(FramePacket, flags),
            40
        );
    }

    #[test]
    fn the_bit_rate_follows_the_size_within_bounds() {
        // 0.1 bit per pixel per frame at 30 frames/s.
        assert_eq!(target_kbps(1280, 720), 2764);
        assert_eq!(target_kbps(640, 480), 921);
        assert_eq!(target_kbps(100, 50), MIN_KBPS);
        assert_eq!(target_kbps(3840, 2160), MAX_KBPS);
        assert_eq!(target_kbps(u16::MAX, u16::MAX), MAX_KBPS);
    }

    #[test]
    fn a_missing_library_says_which_were_tried_and_why() {
        let error = Libvpx::load_first(&["libvpx-that-is-not-here.so.1"])
            .err()
            .expect("not loaded");
        assert!(error.contains("libvpx-that-is-not-here.so.1"), "{error}");
        assert!(
            error.contains("cannot open") || error.contains("No such file"),
            "{error}"
        );
    }

    /// libvpx's own VP8 decoder, loaded the same way.
    struct Decoder {
        _library: Library,
        context: Box<CodecContext>,
        decode: unsafe extern "C" fn(
            *mut CodecContext,
            *const u8,
            c_uint,
            *mut c_void,
            c_long,
        ) -> CodecErr,
        get_frame: unsafe extern "C" fn(*mut CodecContext, *mut *const c_void) -> *const Image,
        destroy: DestroyFn,
    }

    /// `VPX_DECODER_ABI_VERSION` of libvpx 1.12: 3 + `VPX_CODEC_ABI_VERSION`.
    const DECODER_ABI_VERSION: c_int = 3 + 9;

    /// A decoded picture: size and the mean Y, U and V of its visible area.
    #[derive(Debug)]
    struct Decoded {
        width: u32,
        height: u32,
        yuv: [f64; 3],
    }

    impl Decoder {
        fn new() -> Decoder {
            let file = libvpx().expect("libvpx loads").file;
            // SAFETY: as in `Libvpx::load`; signatures from vpx_decoder.h.
            unsafe {
                let library = Library::new(file).expect("libvpx opens");
                let dx: IfaceFn = *library.get(b"vpx_codec_vp8_dx\0").expect("vp8_dx");
                let init: unsafe extern "C" fn(
                    *mut CodecContext,
                    *const CodecIface,
                    *const c_void,
                    c_long,
                    c_int,
                ) -> CodecErr = *library.get(b"vpx_codec_dec_init_ver\0").expect("init");
                let mut context: Box<CodecContext> = Box::new(std::mem::zeroed());
                let status = init(&mut *context, dx(), ptr::null(), 0, DECODER_ABI_VERSION);
                assert_eq!(status, VPX_CODEC_OK, "decoder starts");
                Decoder {
                    decode: *library.get(b"vpx_codec_decode\0").expect("decode"),
                    get_frame: *library.get(b"vpx_codec_get_frame\0").expect("get_frame"),
                    destroy: *library.get(b"vpx_codec_destroy\0").expect("destroy"),
                    context,
                    _library: library,
                }
            }
        }

        fn decode(&mut self, data: &[u8]) -> Decoded {
            // SAFETY: `data` is alive for the call; the returned image is
            // read before the next decode.
            unsafe {
                let length = c_uint::try_from(data.len()).expect("length");
                let status = (self.decode)(
                    &mut *self.context,
                    data.as_ptr(),
                    length,
                    ptr::null_mut(),
                    0,
                );
                assert_eq!(status, VPX_CODEC_OK, "decodes");
                let mut iterator: *const c_void = ptr::null();
                let image = (self.get_frame)(&mut *self.context, &mut iterator)
                    .as_ref()
                    .expect("a picture");
                assert_eq!(image.fmt, VPX_IMG_FMT_I420);
                let mut yuv = [0.0; 3];
                for (plane, mean) in yuv.iter_mut().enumerate() {
                    let shift = u32::from(plane > 0);
                    let (w, h) = ((image.d_w + shift) >> shift, (image.d_h + shift) >> shift);
                    let stride = isize::try_from(image.stride[plane]).expect("stride");
                    let mut sum = 0u64;
                    for row in 0..h {
                        let start = image.planes[plane].offset(stride * row as isize);
                        let row = std::slice::from_raw_parts(start, w as usize);
                        sum += row.iter().map(|&b| u64::from(b)).sum::<u64>();
                    }
                    *mean = sum as f64 / f64::from(w * h);
                }
                Decoded {
                    width: image.d_w,
                    height: image.d_h,
                    yuv,
                }
            }
        }
    }

    impl Drop for Decoder {
        fn drop(&mut self) {
            // SAFETY: initialised in `new`, destroyed once.
            unsafe { (self.destroy)(&mut *self.context) };
        }
    }

    fn assert_colour(decoded: &Decoded, expected: [f64; 3]) {
        for (got, want) in decoded.yuv.iter().zip(expected) {
            assert!(
                (got - want).abs() <= 6.0,
                "{decoded:?} is not near {expected:?}"
            );
        }
    }

    /// #3399cc in BT.601 studio range.
    const BLUE_YUV: [f64; 3] = [126.2, 165.5, 79.6];
    /// #cc3333.
    const RED_YUV: [f64; 3] = [99.1, 105.3, 195.2];

    #[test]
    fn a_frame_encodes_to_a_keyframe_that_libvpx_decodes_to_its_colour() {
        let mut encoder = Vp8Encoder::new().expect("libvpx is installed here");
        let encoded = encoder
            .encode(&solid(320, 200, [0x33, 0x99, 0xcc]).pixels(), false)
            .expect("encoded");
        assert!(encoded.keyframe, "the first picture is a keyframe");
        let mut decoder = Decoder::new();
        let decoded = decoder.decode(&encoded.data);
        assert_eq!((decoded.width, decoded.height), (320, 200));
        assert_colour(&decoded, BLUE_YUV);

        // The next picture follows from it; a forced one stands alone.
        let red = solid(320, 200, [0xcc, 0x33, 0x33]);
        let next = encoder.encode(&red.pixels(), false).expect("encoded");
        assert!(!next.keyframe);
        assert_colour(&decoder.decode(&next.data), RED_YUV);
        let forced = encoder.encode(&red.pixels(), true).expect("encoded");
        assert!(forced.keyframe);
        assert_colour(&Decoder::new().decode(&forced.data), RED_YUV);
    }

    #[test]
    fn another_size_restarts_the_encoder_with_a_keyframe() {
        let mut encoder = Vp8Encoder::new().expect("libvpx");
        let blue = [0x33, 0x99, 0xcc];
        encoder
            .encode(&solid(64, 48, blue).pixels(), false)
            .expect("encoded");
        encoder
            .encode(&solid(64, 48, blue).pixels(), false)
            .expect("encoded");
        // Odd sizes too: the chroma planes cover the last column and row.
        let resized = encoder
            .encode(&solid(33, 17, blue).pixels(), false)
            .expect("encoded");
        assert!(resized.keyframe, "a new size starts with a keyframe");
        let decoded = Decoder::new().decode(&resized.data);
        assert_eq!((decoded.width, decoded.height), (33, 17));
        assert_colour(&decoded, BLUE_YUV);
    }

    #[test]
    fn a_frame_of_the_wrong_length_keeps_the_session() {
        let mut encoder = Vp8Encoder::new().expect("libvpx");
        let blue = solid(32, 32, [0x33, 0x99, 0xcc]);
        encoder.encode(&blue.pixels(), false).expect("encoded");
        let mut broken = solid(32, 32, [0, 0, 0]);
        broken.bgrx.truncate(100);
        assert!(matches!(
            encoder.encode(&broken.pixels(), false),
            Err(EncodeError::FrameSize { .. })
        ));
        // Still the same stream: the next picture is not a restart.
        assert!(
            !encoder
                .encode(&blue.pixels(), false)
                .expect("encoded")
                .keyframe
        );
    }
}
