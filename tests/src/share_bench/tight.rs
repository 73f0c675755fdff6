//! Tight rectangles (RFB encoding 7), as x11vnc sends them to a viewer
//! that asks for JPEG quality: fills, JPEG, and zlib-compressed pixels
//! with the copy, palette and gradient filters, over four zlib streams
//! that live as long as the connection. Pixels are TPIXELs: three bytes,
//! red first (the pixel format the client sets makes them so).

use std::io::Read;

use flate2::{Decompress, FlushDecompress, Status};

use super::framebuffer::{Framebuffer, OutOfBounds};
use super::jpeg::{self, JpegError, Output};

const FILL: u8 = 0x08;
const JPEG: u8 = 0x09;
const READ_FILTER: u8 = 0x04;
const FILTER_COPY: u8 = 0;
const FILTER_PALETTE: u8 = 1;
const FILTER_GRADIENT: u8 = 2;
/// Data shorter than this comes uncompressed (and without a length).
const MIN_TO_COMPRESS: usize = 12;
/// Largest compressed or JPEG block accepted (a 1280×720 picture raw is
/// 2.7 MB).
const MAX_BLOCK: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TightError {
    #[error("reading from the server: {0}")]
    Io(#[from] std::io::Error),
    #[error("unknown Tight compression {0:#04x}")]
    UnknownCompression(u8),
    #[error("unknown Tight filter {0}")]
    UnknownFilter(u8),
    #[error("zlib stream {stream}: {why}")]
    Inflate { stream: usize, why: String },
    #[error(transparent)]
    Jpeg(#[from] JpegError),
    #[error("a JPEG of {got:?} for a {want:?} rectangle")]
    JpegSize { got: (u32, u32), want: (u32, u32) },
    #[error(transparent)]
    Bounds(#[from] OutOfBounds),
    #[error("a block of {0} bytes is larger than any picture")]
    TooLong(usize),
}

/// The decoder state of one connection.
pub struct TightDecoder {
    streams: [Decompress; 4],
}

impl Default for TightDecoder {
    fn default() -> TightDecoder {
        TightDecoder {
            streams: std::array::from_fn(|_| Decompress::new(true)),
        }
    }
}

fn byte(input: &mut impl Read) -> Result<u8, TightError> {
    let mut one = [0u8; 1];
    input.read_exact(&mut one)?;
    Ok(one[0])
}

fn bytes(input: &mut impl Read, count: usize) -> Result<Vec<u8>, TightError> {
    if count > MAX_BLOCK {
        return Err(TightError::TooLong(count));
    }
    let mut data = vec![0u8; count];
    input.read_exact(&mut data)?;
    Ok(data)
}

/// A compact length: 7 bits a byte, low first, at most three bytes.
fn compact_length(input: &mut impl Read) -> Result<usize, TightError> {
    let mut length = 0usize;
    for shift in [0, 7, 14] {
        let b = byte(input)?;
        if shift == 14 {
            length |= usize::from(b) << 14;
            break;
        }
        length |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok(length)
}

fn pixel(bytes: &[u8], at: usize) -> [u8; 3] {
    [bytes[at * 3], bytes[at * 3 + 1], bytes[at * 3 + 2]]
}

impl TightDecoder {
    /// Reads one Tight rectangle at (`x`, `y`) of `w`×`h` into `fb`.
    pub fn rect(
        &mut self,
        input: &mut impl Read,
        fb: &mut Framebuffer,
        x: u32,
        y: u32,
        w: u32,
        h: u32,
    ) -> Result<(), TightError> {
        fb.check(x, y, w, h)?;
        let control = byte(input)?;
        for (i, stream) in self.streams.iter_mut().enumerate() {
            if control & (1 << i) != 0 {
                stream.reset(true);
            }
        }
        let kind = control >> 4;
        match kind {
            FILL => {
                let colour = pixel(&bytes(input, 3)?, 0);
                fb.put(x, y, w, h, |_| colour)?;
            }
            JPEG => {
                let length = compact_length(input)?;
                let data = bytes(input, length)?;
                let decoded = jpeg::decode(&data, Output::Rgb)?;
                if (decoded.width, decoded.height) != (w, h) {
                    return Err(TightError::JpegSize {
                        got: (decoded.width, decoded.height),
                        want: (w, h),
                    });
                }
                fb.put(x, y, w, h, |i| pixel(&decoded.pixels, i))?;
            }
            basic if basic & 0x08 == 0 => {
                let stream = usize::from(basic & 0x03);
                let filter = if basic & READ_FILTER != 0 {
                    byte(input)?
                } else {
                    FILTER_COPY
                };
                let pixels = (w * h) as usize;
                match filter {
                    FILTER_COPY => {
                        let data = self.data(input, stream, pixels * 3)?;
                        fb.put(x, y, w, h, |i| pixel(&data, i))?;
                    }
                    FILTER_PALETTE => {
                        let colours = usize::from(byte(input)?) + 1;
                        let palette = bytes(input, colours * 3)?;
                        if colours == 2 {
                            let row_bytes = w.div_ceil(8) as usize;
                            let data = self.data(input, stream, row_bytes * h as usize)?;
                            fb.put(x, y, w, h, |i| {
                                let (row, column) = (i / w as usize, i % w as usize);
                                let bits = data[row * row_bytes + column / 8];
                                let index = bits >> (7 - column % 8) & 1;
                                pixel(&palette, usize::from(index))
                            })?;
                        } else {
                            let data = self.data(input, stream, pixels)?;
                            if let Some(bad) = data.iter().find(|&&i| usize::from(i) >= colours) {
                                return Err(TightError::Inflate {
                                    stream,
                                    why: format!("palette index {bad} of {colours} colours"),
                                });
                            }
                            fb.put(x, y, w, h, |i| pixel(&palette, usize::from(data[i])))?;
                        }
                    }
                    FILTER_GRADIENT => {
                        let data = self.data(input, stream, pixels * 3)?;
                        let decoded = ungradient(&data, w as usize, h as usize);
                        fb.put(x, y, w, h, |i| pixel(&decoded, i))?;
                    }
                    other => return Err(TightError::UnknownFilter(other)),
                }
            }
            other => return Err(TightError::UnknownCompression(other)),
        }
        Ok(())
    }

    /// `size` bytes of filtered data: as they are when short, else a
    /// compact length and that much zlib data for stream `stream`.
    fn data(
        &mut self,
        input: &mut impl Read,
        stream: usize,
        size: usize,
    ) -> Result<Vec<u8>, TightError> {
        if size < MIN_TO_COMPRESS {
            return bytes(input, size);
        }
        let length = compact_length(input)?;
        let compressed = bytes(input, length)?;
        inflate(&mut self.streams[stream], &compressed, size)
            .map_err(|why| TightError::Inflate { stream, why })
    }
}

/// Inflates all of `compressed` (the server ends each block with a sync
/// flush, which must be consumed too) into exactly `size` bytes.
fn inflate(stream: &mut Decompress, compressed: &[u8], size: usize) -> Result<Vec<u8>, String> {
    // Room past `size`, so output that should not be there is seen.
    let mut out = vec![0u8; size + 64];
    let (start_in, start_out) = (stream.total_in(), stream.total_out());
    loop {
        let consumed = (stream.total_in() - start_in) as usize;
        let produced = (stream.total_out() - start_out) as usize;
        if consumed == compressed.len() {
            break;
        }
        let status = stream
            .decompress(
                &compressed[consumed..],
                &mut out[produced..],
                FlushDecompress::Sync,
            )
            .map_err(|error| error.to_string())?;
        let progressed = stream.total_in() - start_in != consumed as u64
            || stream.total_out() - start_out != produced as u64;
        if status == Status::StreamEnd || !progressed {
            break;
        }
    }
    let produced = (stream.total_out() - start_out) as usize;
    if produced != size {
        return Err(format!("{produced} bytes where {size} were due"));
    }
    out.truncate(size);
    Ok(out)
}

/// Undoes the gradient filter: each component was sent as its difference
/// from left + up − up-left (clamped to 0–255).
fn ungradient(data: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h * 3];
    for row in 0..h {
        for column in 0..w {
            for c in 0..3 {
                let at = |r: usize, col: usize| i32::from(out[(r * w + col) * 3 + c]);
                let left = if column > 0 { at(row, column - 1) } else { 0 };
                let up = if row > 0 { at(row - 1, column) } else { 0 };
                let up_left = if row > 0 && column > 0 {
                    at(row - 1, column - 1)
                } else {
                    0
                };
                let predicted = (left + up - up_left).clamp(0, 255) as u8;
                let i = (row * w + column) * 3 + c;
                out[i] = predicted.wrapping_add(data[i]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use flate2::{Compress, Compression, FlushCompress};

    use super::*;

    fn compact(length: usize) -> Vec<u8> {
        let mut out = vec![(length & 0x7f) as u8];
        if length > 0x7f {
            out[0] |= 0x80;
            out.push((length >> 7 & 0x7f) as u8);
            if length > 0x3fff {
                out[1] |= 0x80;
                out.push((length >> 14) as u8);
            }
        }
        out
    }

    /// As the server compresses: one sync-flushed block on a lasting stream.
    fn deflate(stream: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 128);
        stream
            .compress_vec(data, &mut out, FlushCompress::Sync)
            .expect("compresses");
        out
    }

    fn decode(
        fb: &mut Framebuffer,
        wire: &[u8],
        rect: (u32, u32, u32, u32),
    ) -> Result<(), TightError> {
        let mut decoder = TightDecoder::default();
        let mut input = Cursor::new(wire);
        let (x, y, w, h) = rect;
        decoder.rect(&mut input, fb, x, y, w, h)?;
        assert_eq!(input.position() as usize, wire.len(), "every byte read");
        Ok(())
    }

    #[test]
    fn compact_lengths_of_one_two_and_three_bytes() {
        for length in [0, 5, 127, 128, 300, 16383, 16384, 1_000_000] {
            let wire = compact(length);
            assert_eq!(compact_length(&mut Cursor::new(&wire)).unwrap(), length);
        }
    }

    #[test]
    fn a_fill_colours_the_rectangle_only() {
        let mut fb = Framebuffer::new(8, 8);
        decode(&mut fb, &[0x80, 10, 20, 30], (2, 3, 4, 2)).unwrap();
        assert_eq!(fb.rgb(2, 3), [10, 20, 30]);
        assert_eq!(fb.rgb(5, 4), [10, 20, 30]);
        assert_eq!(fb.rgb(1, 3), [0, 0, 0]);
        assert_eq!(fb.rgb(2, 5), [0, 0, 0]);
    }

    #[test]
    fn copied_pixels_through_lasting_zlib_streams() {
        let mut fb = Framebuffer::new(16, 16);
        let mut decoder = TightDecoder::default();
        let mut server = Compress::new(Compression::default(), true);
        // Two rectangles on stream 1: the second needs the first's
        // dictionary.
        for (round, x) in [(0u8, 0u32), (1, 8)] {
            let raw: Vec<u8> = (0..8 * 4 * 3)
                .map(|i| (i as u8).wrapping_mul(7) ^ round)
                .collect();
            let compressed = deflate(&mut server, &raw);
            let mut wire = vec![0x10 | if round == 0 { 0x02 } else { 0 }];
            wire.extend(compact(compressed.len()));
            wire.extend(&compressed);
            decoder
                .rect(&mut Cursor::new(&wire), &mut fb, x, 0, 8, 4)
                .unwrap();
            assert_eq!(fb.rgb(x, 0), [raw[0], raw[1], raw[2]]);
            assert_eq!(fb.rgb(x + 7, 3), [raw[93], raw[94], raw[95]]);
        }
    }

    #[test]
    fn palettes_of_two_and_of_more_colours() {
        let mut fb = Framebuffer::new(10, 2);
        // Two colours, one bit a pixel, rows padded to a byte: 2 rows of 2
        // bytes, under 12 so sent as they are.
        let mut wire = vec![0x40, FILTER_PALETTE, 1, 255, 0, 0, 0, 0, 255];
        wire.extend([0b1000_0000, 0b0100_0000, 0b0000_0000, 0b0000_0000]);
        decode(&mut fb, &wire, (0, 0, 10, 2)).unwrap();
        assert_eq!(fb.rgb(0, 0), [0, 0, 255]);
        assert_eq!(fb.rgb(1, 0), [255, 0, 0]);
        assert_eq!(fb.rgb(9, 0), [0, 0, 255]);
        assert_eq!(fb.rgb(0, 1), [255, 0, 0]);

        // Three colours, one byte a pixel, 20 bytes: compressed.
        let indices: Vec<u8> = (0..20).map(|i| (i % 3) as u8).collect();
        let compressed = deflate(&mut Compress::new(Compression::default(), true), &indices);
        let mut wire = vec![0x40, FILTER_PALETTE, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3];
        wire.extend(compact(compressed.len()));
        wire.extend(&compressed);
        decode(&mut fb, &wire, (0, 0, 10, 2)).unwrap();
        assert_eq!(fb.rgb(0, 0), [1, 1, 1]);
        assert_eq!(fb.rgb(1, 0), [2, 2, 2]);
        assert_eq!(fb.rgb(2, 0), [3, 3, 3]);
        assert_eq!(fb.rgb(0, 1), [2, 2, 2]);
    }

    #[test]
    fn the_gradient_filter_is_undone() {
        let (w, h) = (5usize, 4usize);
        let original: Vec<u8> = (0..w * h * 3).map(|i| ((i * 37) % 251) as u8).collect();
        // Filter as the server does.
        let mut filtered = vec![0u8; original.len()];
        for row in 0..h {
            for column in 0..w {
                for c in 0..3 {
                    let at = |r: usize, col: usize| i32::from(original[(r * w + col) * 3 + c]);
                    let left = if column > 0 { at(row, column - 1) } else { 0 };
                    let up = if row > 0 { at(row - 1, column) } else { 0 };
                    let ul = if row > 0 && column > 0 {
                        at(row - 1, column - 1)
                    } else {
                        0
                    };
                    let predicted = (left + up - ul).clamp(0, 255) as u8;
                    let i = (row * w + column) * 3 + c;
                    filtered[i] = original[i].wrapping_sub(predicted);
                }
            }
        }
        let compressed = deflate(&mut Compress::new(Compression::default(), true), &filtered);
        // Stream 3, with a filter id.
        let mut wire = vec![0x70, FILTER_GRADIENT];
        wire.extend(compact(compressed.len()));
        wire.extend(&compressed);
        let mut fb = Framebuffer::new(w as u32, h as u32);
        decode(&mut fb, &wire, (0, 0, w as u32, h as u32)).unwrap();
        for i in 0..w * h {
            assert_eq!(
                fb.rgb((i % w) as u32, (i / w) as u32),
                [original[i * 3], original[i * 3 + 1], original[i * 3 + 2]]
            );
        }
    }

    #[test]
    fn a_jpeg_rectangle_lands_where_it_says() {
        let (w, h) = (32u16, 16u16);
        let rgb: Vec<u8> = (0..usize::from(w) * usize::from(h))
            .flat_map(|_| [200u8, 40, 40])
            .collect();
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 90)
            .encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb)
            .expect("encodes");
        let mut wire = vec![0x90];
        wire.extend(compact(jpeg.len()));
        wire.extend(&jpeg);
        let mut fb = Framebuffer::new(64, 32);
        decode(&mut fb, &wire, (16, 8, 32, 16)).unwrap();
        let [r, g, b] = fb.rgb(30, 15);
        assert!(r > 180 && g < 70 && b < 70, "{r} {g} {b}");
        assert_eq!(fb.rgb(0, 0), [0, 0, 0]);
        // A JPEG of another size than its rectangle is refused.
        let mut fb = Framebuffer::new(64, 32);
        let error = decode(&mut fb, &wire, (0, 0, 16, 16)).unwrap_err();
        assert!(matches!(error, TightError::JpegSize { .. }), "{error}");
    }

    #[test]
    fn bad_rectangles_are_refused_with_the_reason() {
        let mut fb = Framebuffer::new(8, 8);
        let error = decode(&mut fb, &[0x80, 1, 2, 3], (6, 6, 4, 4)).unwrap_err();
        assert!(matches!(error, TightError::Bounds(_)), "{error}");
        let error = decode(&mut fb, &[0xa0], (0, 0, 4, 4)).unwrap_err();
        assert!(
            matches!(error, TightError::UnknownCompression(0x0a)),
            "{error}"
        );
        let error = decode(&mut fb, &[0x40, 7], (0, 0, 4, 4)).unwrap_err();
        assert!(matches!(error, TightError::UnknownFilter(7)), "{error}");
        // Compressed data that inflates to less than the rectangle needs.
        let short = deflate(&mut Compress::new(Compression::default(), true), &[1; 20]);
        let mut wire = vec![0x00];
        wire.extend(compact(short.len()));
        wire.extend(&short);
        let error = decode(&mut fb, &wire, (0, 0, 4, 4)).unwrap_err();
        assert!(matches!(error, TightError::Inflate { .. }), "{error}");
        // Truncated input.
        let error = decode(&mut fb, &[0x80, 1], (0, 0, 4, 4)).unwrap_err();
        assert!(matches!(error, TightError::Io(_)), "{error}");
    }
}
