//! The files of the demo catalog: generated course covers, teacher portraits, banner images and
//! the default user icon (PNG), and one short trial video shipped with Luffy, written through the storage port so
//! that every media URL of the demo answers.

mod text;

use crate::adapters::storage::{Storage, StorageError};
use luffy_db::seed::{DemoMedia, DemoMediaKind};
use luffy_domain::media::{MediaKey, MediaStorage};
use std::sync::Arc;

/// The trial video of the free sections: 4 s of a 320×180 H.264 test pattern with a tone
/// (how it was made: `assets/README.md`).
pub const TRIAL_VIDEO: &[u8] = include_bytes!("../../assets/demo-trial.mp4");

/// Colours of the covers, picked by number.
const PALETTE: [[u8; 3]; 8] = [
    [0x1e, 0x6f, 0xd9],
    [0xe0, 0x5a, 0x2b],
    [0x2a, 0x9d, 0x5c],
    [0x8e, 0x44, 0xad],
    [0xd4, 0x8a, 0x0c],
    [0x16, 0x8f, 0x9c],
    [0xc0, 0x39, 0x6b],
    [0x4a, 0x5a, 0x6e],
];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

/// An RGB picture.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize, colour: [u8; 3]) -> Self {
        Self {
            width,
            height,
            pixels: colour.repeat(width * height),
        }
    }

    fn rect(&mut self, x: usize, y: usize, w: usize, h: usize, colour: [u8; 3]) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                let at = (row * self.width + col) * 3;
                self.pixels[at..at + 3].copy_from_slice(&colour);
            }
        }
    }

    /// Blends `colour` into the pixel at (`x`, `y`) by `coverage` (0 to 1).
    fn blend(&mut self, x: usize, y: usize, colour: [u8; 3], coverage: f32) {
        if x >= self.width || y >= self.height {
            return;
        }
        let at = (y * self.width + x) * 3;
        let coverage = coverage.clamp(0.0, 1.0);
        for (channel, target) in self.pixels[at..at + 3].iter_mut().zip(colour) {
            let mixed = f32::from(*channel) * (1.0 - coverage) + f32::from(target) * coverage;
            *channel = mixed.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// Draws `line` centred horizontally with its top at `y`, at most `max_height` pixels tall
    /// and at most nine tenths of the width; returns the height used.
    fn centred_text(&mut self, line: &str, y: usize, max_height: usize, colour: [u8; 3]) -> usize {
        text::draw_centred(self, line, y, max_height, colour)
    }

    fn png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        let width = u32::try_from(self.width).unwrap_or(1);
        let height = u32::try_from(self.height).unwrap_or(1);
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

fn colour(number: usize) -> [u8; 3] {
    PALETTE[number % PALETTE.len()]
}

/// A 480×270 cover: "路飞学城", the course's name and its number.
fn cover(number: usize, name: &str) -> Canvas {
    let mut canvas = Canvas::new(480, 270, colour(number));
    canvas.rect(0, 0, 480, 8, WHITE);
    let mut y = 44;
    y += canvas.centred_text("路飞学城 LUFFY", y, 28, WHITE) + 30;
    y += canvas.centred_text(name, y, 56, WHITE) + 30;
    canvas.centred_text(&format!("No.{number}"), y, 28, WHITE);
    canvas
}

/// A 240×240 portrait: the teacher's name on a colour of its own.
fn portrait(name: &str) -> Canvas {
    let seed = name.bytes().map(usize::from).sum::<usize>();
    let mut canvas = Canvas::new(240, 240, colour(seed));
    canvas.rect(60, 150, 120, 90, WHITE);
    canvas.rect(85, 60, 70, 70, WHITE);
    canvas.centred_text(name, 14, 36, WHITE);
    canvas
}

/// A 1200×300 banner: "路飞学城" and its title.
fn banner(number: usize, title: &str) -> Canvas {
    let mut canvas = Canvas::new(1200, 300, colour(number + 3));
    canvas.rect(0, 260, 1200, 40, WHITE);
    let y = 36 + canvas.centred_text("路飞学城 LUFFY", 36, 48, WHITE) + 36;
    canvas.centred_text(title, y, 84, WHITE);
    canvas
}

/// The bytes and MIME type of one demo file.
pub fn render(media: &DemoMedia) -> Result<(Vec<u8>, &'static str), String> {
    let canvas = match &media.kind {
        DemoMediaKind::CourseCover { number, name } => cover(*number, name),
        DemoMediaKind::TeacherPortrait { name } => portrait(name),
        DemoMediaKind::Banner { number, title } => banner(*number, title),
        DemoMediaKind::DefaultUserIcon => portrait("LUFFY"),
        DemoMediaKind::TrialVideo => return Ok((TRIAL_VIDEO.to_vec(), "video/mp4")),
    };
    let bytes = canvas
        .png()
        .map_err(|err| format!("{}: {err}", media.key))?;
    Ok((bytes, "image/png"))
}

/// Writes every file of the demo catalog into `storage`; returns how many were stored. A key
/// that already holds other content is left alone (uploads never overwrite).
pub async fn store(storage: &Storage, media: &[DemoMedia]) -> Result<usize, String> {
    let dir = tempfile::tempdir().map_err(|err| format!("temporary folder: {err}"))?;
    let mut stored = 0;
    for item in media {
        let key = MediaKey::parse(&item.key).map_err(|err| format!("{}: {err}", item.key))?;
        let (bytes, mime) = render(item)?;
        let path = dir
            .path()
            .join(format!("{stored}-{}", key.segments().count()));
        std::fs::write(&path, &bytes).map_err(|err| format!("{}: {err}", path.display()))?;
        match storage
            .put_file(&key, &path, mime, Arc::new(|_, _| ()))
            .await
        {
            Ok(_) => stored += 1,
            Err(StorageError::Exists(key)) => {
                log::warn!("demo media: {key} holds other content; left as it is");
            }
            Err(err) => return Err(format!("demo media {key}: {err}")),
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_file_renders_as_its_type() {
        for item in luffy_db::seed::demo_media() {
            let (bytes, mime) = render(&item).unwrap();
            match mime {
                "image/png" => assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", item.key),
                _ => assert_eq!(&bytes[4..8], b"ftyp", "{}", item.key),
            }
        }
    }

    #[test]
    fn covers_differ_from_course_to_course() {
        let first = cover(1, "Python开发21天入门").png().unwrap();
        let second = cover(2, "Linux系统基础").png().unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn a_cover_shows_its_chinese_name() {
        // Same number, names that differ only in Chinese characters: the pictures differ.
        assert_ne!(cover(3, "系统基础").pixels, cover(3, "项目实战").pixels);
    }

    #[test]
    fn the_font_has_every_character_the_demo_names() {
        for item in luffy_db::seed::demo_media() {
            let name = match item.kind {
                DemoMediaKind::CourseCover { name, .. } => name,
                DemoMediaKind::TeacherPortrait { name } => name,
                DemoMediaKind::Banner { title, .. } => title,
                _ => continue,
            };
            assert_eq!(text::missing(name), Vec::<char>::new(), "{name}");
        }
    }
}
