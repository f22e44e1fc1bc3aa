//! Text on the demo pictures, drawn with a small embedded font: a subset of WenQuanYi Micro Hei
//! (Apache-2.0, see `assets/README.md`) holding printable ASCII and every character of the demo
//! catalog's names.

use super::Canvas;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::sync::OnceLock;

const FONT: &[u8] = include_bytes!("../../assets/demo-font.ttf");

fn font() -> Option<&'static FontRef<'static>> {
    static PARSED: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    PARSED
        .get_or_init(|| FontRef::try_from_slice(FONT).ok())
        .as_ref()
}

/// The characters of `text` the font cannot draw (they are left out of the picture).
#[cfg(test)]
pub fn missing(text: &str) -> Vec<char> {
    match font() {
        Some(font) => text
            .chars()
            .filter(|c| !c.is_whitespace() && font.glyph_id(*c).0 == 0)
            .collect(),
        None => text.chars().collect(),
    }
}

/// Draws `line` centred on `canvas` with its top at `y`, at most `max_height` pixels tall and
/// at most nine tenths of the canvas wide; returns the height used.
pub fn draw_centred(
    canvas: &mut Canvas,
    line: &str,
    y: usize,
    max_height: usize,
    colour: [u8; 3],
) -> usize {
    let Some(font) = font() else {
        return 0;
    };
    let width_at = |height: f32| {
        let scaled = font.as_scaled(PxScale::from(height));
        line.chars()
            .map(|c| scaled.h_advance(font.glyph_id(c)))
            .sum::<f32>()
    };
    let room = canvas.width as f32 * 0.9;
    let mut height = max_height as f32;
    let natural = width_at(height);
    if natural > room && natural > 0.0 {
        height *= room / natural;
    }
    let scaled = font.as_scaled(PxScale::from(height));
    let mut x = (canvas.width as f32 - width_at(height)).max(0.0) / 2.0;
    let baseline = y as f32 + scaled.ascent();
    for c in line.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(height, ab_glyph::point(x, baseline));
        x += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x + gx as f32;
            let py = bounds.min.y + gy as f32;
            if px >= 0.0 && py >= 0.0 {
                canvas.blend(px as usize, py as usize, colour, coverage);
            }
        });
    }
    (scaled.ascent() - scaled.descent()).ceil() as usize
}
