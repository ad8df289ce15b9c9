//! Draws charts to SVG and PNG: lines and stacked areas over time, dots (scatter plots), lines
//! with shaded bands, over numbers, durations or named categories. The font is embedded, so
//! plotting needs no system library.

use std::collections::HashMap;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 560;
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Tableau 10: distinct hues that stay distinguishable for the common colour-vision deficiencies.
const COLOURS: [u32; 10] = [
    0x4E79A7, 0xF28E2B, 0x59A14F, 0xE15759, 0x76B7B2, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F,
    0xBAB0AC,
];
/// Darker than any palette entry so markers never read as a series.
const MARKER_COLOUR: RGBColor = RGBColor(200, 0, 0);

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Style {
    #[default]
    Line,
    /// Unconnected dots of this radius (pixels); `faint` ones are translucent, for a cloud of
    /// many points behind the ones that matter.
    Dots { radius: u32, faint: bool },
    /// A line with a dot at every point.
    LineDots { radius: u32 },
}

/// One series on a chart. `key` picks the colour: the same key gets the same colour in every
/// chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub label: String,
    pub key: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    /// A shaded band `(x, low, high)` under the series, in its colour (e.g. p5 to p95).
    pub band: Vec<(f64, f64, f64)>,
    /// The band's legend entry; none when empty.
    pub band_label: String,
}

impl Series {
    /// A plain line.
    pub fn line(label: impl Into<String>, key: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            key: key.into(),
            points,
            ..Series::default()
        }
    }
}

/// What the x values are, which decides how the ticks read.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum XAxis {
    #[default]
    Number,
    /// Named values at x = 0, 1, 2, …; the ticks print the names.
    Categories(Vec<String>),
}

/// A text next to a point (e.g. the parameter values of a point on a Pareto front).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// A vertical marker at x with a short label (e.g. an outage or a failed scale-up).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// true: stacked areas (cumulative sum in series order); false: each series as its style.
    pub stacked: bool,
    pub markers: Vec<Marker>,
    pub x_axis: XAxis,
    /// false: the y axis starts at 0; true: it spans the data with a margin (scatter plots).
    pub y_fit: bool,
    pub labels: Vec<Label>,
}

/// Assigns colours: keys in the order given get palette entries 0,1,2,... (wrapping).
#[derive(Debug, Clone, Default)]
pub struct Palette {
    index: HashMap<String, usize>,
}

impl Palette {
    pub fn new(keys: &[String]) -> Palette {
        let mut index = HashMap::new();
        for key in keys {
            let next = index.len();
            index.entry(key.clone()).or_insert(next);
        }
        Palette { index }
    }

    fn colour(&self, key: &str) -> RGBColor {
        // Unknown keys hash (FNV-1a) rather than share one colour, and stay stable across runs.
        let i = self.index.get(key).copied().unwrap_or_else(|| {
            key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            }) as usize
        });
        let c = COLOURS[i % COLOURS.len()];
        RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8)
    }
}

pub fn render_svg(chart: &Chart, palette: &Palette) -> Result<String, String> {
    ensure_font()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, chart, palette)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The chart as a PNG file's bytes.
pub fn render_png(chart: &Chart, palette: &Palette) -> Result<Vec<u8>, String> {
    ensure_font()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, chart, palette)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&rgb))
        .map_err(|e| format!("encoding a PNG: {e}"))?;
    Ok(png)
}

fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "embedded font is not a valid TTF".to_string())
        })
        .clone()
}

/// Series with non-finite points dropped and points sorted by x, so lines never zigzag back.
fn clean(series: &[Series]) -> Vec<(&Series, Vec<(f64, f64)>)> {
    series
        .iter()
        .map(|s| {
            let mut pts = s.points.clone();
            pts.retain(|(x, y)| x.is_finite() && y.is_finite());
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (s, pts)
        })
        .filter(|(_, pts)| !pts.is_empty())
        .collect()
}

/// Linear interpolation inside the series' x span, 0 outside it (the series contributes nothing there).
fn value_at(pts: &[(f64, f64)], x: f64) -> f64 {
    let i = pts.partition_point(|p| p.0 < x);
    match (i.checked_sub(1).and_then(|j| pts.get(j)), pts.get(i)) {
        (_, Some(&(x1, y1))) if x1 == x => y1,
        (Some(&(x0, y0)), Some(&(x1, y1))) => y0 + (y1 - y0) * (x - x0) / (x1 - x0),
        _ => 0.0,
    }
}

/// Stacks series onto a shared x grid so bands line up even when series were sampled at different times.
fn stack(lines: &[Vec<(f64, f64)>]) -> Vec<Vec<(f64, f64)>> {
    let mut xs: Vec<f64> = lines.iter().flatten().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut acc = vec![0.0; xs.len()];
    let mut stacked = Vec::with_capacity(lines.len());
    for pts in lines {
        acc.iter_mut()
            .zip(&xs)
            .for_each(|(a, &x)| *a += value_at(pts, x));
        stacked.push(xs.iter().copied().zip(acc.iter().copied()).collect());
    }
    stacked
}

/// Band points with a non-finite value dropped, sorted by x.
fn clean_band(band: &[(f64, f64, f64)]) -> Vec<(f64, f64, f64)> {
    let mut b: Vec<_> = band
        .iter()
        .copied()
        .filter(|(x, lo, hi)| x.is_finite() && lo.is_finite() && hi.is_finite())
        .collect();
    b.sort_by(|a, b| a.0.total_cmp(&b.0));
    b
}

/// The span of `values` widened by `pad` of its width on each side; a lone value gets a
/// unit-wide span centred on it, so that its point is not drawn on the axis.
fn span(values: impl Iterator<Item = f64> + Clone, pad: f64) -> (f64, f64) {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        let m = (hi - lo) * pad;
        (lo - m, hi + m)
    } else {
        (lo - 0.5, lo + 0.5)
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    palette: &Palette,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let cleaned = clean(&chart.series);
    if cleaned.is_empty() {
        let area = root.titled(&chart.title, (FONT, 28)).map_err(err)?;
        let (w, h) = area.dim_in_pixel();
        let note = (FONT, 20).into_font().color(&RGBColor(110, 110, 110));
        let centre = Pos::new(HPos::Center, VPos::Center);
        let at = (w as i32 / 2, h as i32 / 2);
        return area
            .draw(&Text::new("no data", at, note.pos(centre)))
            .map_err(err);
    }

    let raw: Vec<Vec<(f64, f64)>> = cleaned.iter().map(|(_, p)| p.clone()).collect();
    let lines = if chart.stacked { stack(&raw) } else { raw };
    let bands: Vec<Vec<(f64, f64, f64)>> =
        cleaned.iter().map(|(s, _)| clean_band(&s.band)).collect();
    let markers: Vec<&Marker> = chart.markers.iter().filter(|m| m.x.is_finite()).collect();
    let labels: Vec<&Label> = chart
        .labels
        .iter()
        .filter(|l| l.x.is_finite() && l.y.is_finite())
        .collect();
    let xs = lines
        .iter()
        .flatten()
        .map(|p| p.0)
        .chain(bands.iter().flatten().map(|b| b.0))
        .chain(markers.iter().map(|m| m.x))
        .chain(labels.iter().map(|l| l.x));
    // Dots and bands get a margin so that the outermost ones are not cut in half by the axes.
    let only_lines = cleaned
        .iter()
        .all(|(s, _)| s.style == Style::Line && s.band.is_empty());
    let (x_min, x_max) = match &chart.x_axis {
        XAxis::Categories(names) => (-0.5, names.len().max(1) as f64 - 0.5),
        _ => span(xs, if only_lines { 0.0 } else { 0.04 }),
    };
    let ys = lines
        .iter()
        .flatten()
        .map(|p| p.1)
        .chain(bands.iter().flatten().flat_map(|b| [b.1, b.2]))
        .chain(labels.iter().map(|l| l.y));
    let (y_min, y_max) = if chart.y_fit {
        span(ys, 0.08)
    } else {
        (0.0, (ys.fold(0.0, f64::max) * 1.1).max(1.0))
    };

    let x_tick = |v: &f64| match &chart.x_axis {
        XAxis::Number => tick(v),
        XAxis::Categories(names) => category_tick(names, *v),
    };
    let mut ctx = ChartBuilder::on(root)
        .caption(chart.title.as_str(), (FONT, 28))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(err)?;
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .x_label_formatter(&x_tick)
        .y_label_formatter(&tick)
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(242, 242, 242))
        .max_light_lines(1);
    if let XAxis::Categories(names) = &chart.x_axis {
        // One more than the names, so that the tick step is 1 and every name gets its tick.
        mesh.x_labels(names.len() + 1);
    }
    mesh.draw().map_err(err)?;

    let categories = matches!(chart.x_axis, XAxis::Categories(_));
    // Bars instead of a band along x: for names (no order to draw a band along, and one bar
    // per band side by side), and for a band of a single x (no width).
    let banded = bands.iter().filter(|b| !b.is_empty()).count().max(1);
    let bar_half = if categories {
        0.12 / banded as f64
    } else {
        0.012 * (x_max - x_min)
    };
    // Bands first, so that every line and dot is drawn over them.
    for ((series, _), band) in cleaned.iter().zip(&bands) {
        if band.is_empty() {
            continue;
        }
        let colour = palette.colour(&series.key);
        let fill = colour.mix(0.2).filled();
        let drawn = if categories || band.len() == 1 {
            let bars = band
                .iter()
                .map(move |b| Rectangle::new([(b.0 - bar_half, b.1), (b.0 + bar_half, b.2)], fill));
            ctx.draw_series(bars).map_err(err)?
        } else {
            let outline: Vec<(f64, f64)> = band
                .iter()
                .map(|b| (b.0, b.2))
                .chain(band.iter().rev().map(|b| (b.0, b.1)))
                .collect();
            ctx.draw_series(std::iter::once(Polygon::new(outline, fill)))
                .map_err(err)?
        };
        if !series.band_label.is_empty() {
            drawn
                .label(series.band_label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], colour.mix(0.2).filled())
                });
        }
    }
    if chart.stacked {
        // Stacked lines share one x grid (see `stack`), so the first band's floor is that grid at 0.
        let mut below: Vec<(f64, f64)> = lines[0].iter().map(|p| (p.0, 0.0)).collect();
        for ((series, _), line) in cleaned.iter().zip(&lines) {
            // Bands between neighbours, not areas down to 0, so transparent fills don't tint each other.
            let band: Vec<_> = line.iter().chain(below.iter().rev()).copied().collect();
            let fill = palette.colour(&series.key).mix(0.35).filled();
            ctx.draw_series(std::iter::once(Polygon::new(band, fill)))
                .map_err(err)?;
            below.clone_from(line);
        }
    }
    // Lines go after every band so no fill washes over the edge of the band beneath it.
    let hh = if chart.stacked { 5 } else { 1 };
    for ((series, _), line) in cleaned.iter().zip(&lines) {
        let colour = palette.colour(&series.key);
        match series.style {
            Style::Line | Style::LineDots { .. } => {
                let radius = match series.style {
                    Style::LineDots { radius } => radius,
                    // A one-point line would be invisible, so it gets a dot.
                    _ if line.len() == 1 => 4,
                    _ => 0,
                };
                let dots = line
                    .iter()
                    .map(move |&p| Circle::new(p, radius, colour.filled()));
                // A lone point of a line over names is not joined to anything, so it too
                // needs its dot.
                if radius > 0 && (line.len() > 1 || categories) {
                    ctx.draw_series(dots).map_err(err)?;
                }
                // Named values have no order, so nothing joins their dots.
                let joined = if categories { &line[..0] } else { &line[..] };
                let drawn = LineSeries::new(joined.iter().copied(), colour.stroke_width(2))
                    .point_size(if line.len() == 1 { radius } else { 0 });
                let anno = ctx.draw_series(drawn).map_err(err)?;
                if series.label.is_empty() {
                    // A line with no name has no legend entry.
                } else if radius > 0 && categories {
                    anno.label(series.label.as_str())
                        .legend(move |(x, y)| Circle::new((x + 10, y), radius, colour.filled()));
                } else if radius > 0 {
                    anno.label(series.label.as_str()).legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new([(0, 0), (20, 0)], colour.stroke_width(2))
                            + Circle::new((10, 0), radius, colour.filled())
                    });
                } else {
                    anno.label(series.label.as_str()).legend(move |(x, y)| {
                        Rectangle::new([(x, y - hh), (x + 20, y + hh)], colour.filled())
                    });
                }
            }
            Style::Dots { radius, faint } => {
                let fill = if faint {
                    colour.mix(0.35)
                } else {
                    colour.to_rgba()
                }
                .filled();
                let drawn = ctx
                    .draw_series(line.iter().map(move |&p| Circle::new(p, radius, fill)))
                    .map_err(err)?;
                if !series.label.is_empty() {
                    drawn
                        .label(series.label.as_str())
                        .legend(move |(x, y)| Circle::new((x + 10, y), radius.max(3), fill));
                }
            }
        }
    }

    let label_font = (FONT, 14).into_font().color(&RGBColor(40, 40, 40));
    for l in &labels {
        // Labels in the right fifth hang leftwards so that they are not cut off.
        let right = l.x > x_min + 0.8 * (x_max - x_min);
        let (dx, h) = [(8, HPos::Left), (-8, HPos::Right)][usize::from(right)];
        let style = label_font.clone().pos(Pos::new(h, VPos::Bottom));
        let text = EmptyElement::at((l.x, l.y)) + Text::new(l.text.clone(), (dx, -4), style);
        ctx.draw_series(std::iter::once(text)).map_err(err)?;
    }

    let label_font = (FONT, 15).into_font().color(&MARKER_COLOUR);
    for (i, m) in markers.iter().enumerate() {
        let dashes =
            DashedLineSeries::new([(m.x, y_min), (m.x, y_max)], 6, 4, MARKER_COLOUR.into());
        ctx.draw_series(dashes).map_err(err)?;
        // Nearby markers would overprint each other, so labels cycle through three rows; labels
        // near the right edge hang leftwards so they are not cut off.
        let right = m.x > x_min + 0.8 * (x_max - x_min);
        let (dx, h) = [(4, HPos::Left), (-4, HPos::Right)][usize::from(right)];
        let style = label_font.clone().pos(Pos::new(h, VPos::Top));
        let offset = (dx, 4 + 17 * (i as i32 % 3));
        let text = EmptyElement::at((m.x, y_max)) + Text::new(m.label.clone(), offset, style);
        ctx.draw_series(std::iter::once(text)).map_err(err)?;
    }

    // The legend sits below the marker label rows so it never hides them.
    let legend_font = TextStyle::from((FONT, 16).into_font());
    let mut text_w = 0;
    let legend_texts = cleaned
        .iter()
        .flat_map(|(s, _)| [s.label.as_str(), s.band_label.as_str()]);
    for label in legend_texts {
        let (w, _) = root.estimate_text_size(label, &legend_font).map_err(err)?;
        text_w = text_w.max(w as i32);
    }
    // Mirrors plotters' legend box: swatch area (30) plus the margin on both sides.
    let legend_w = text_w + 30 + 2 * 10;
    let legend_y = 5 + if markers.is_empty() {
        0
    } else {
        8 + 17 * markers.len().min(3) as i32
    };
    let (plot_w, plot_h) = ctx.plotting_area().dim_in_pixel();
    let (plot_w, plot_h) = (plot_w as i32, plot_h as i32);
    let (legend_x, legend_y) = if only_lines {
        let mut tops = lines.clone();
        tops.extend(bands.iter().map(|b| b.iter().map(|p| (p.0, p.2)).collect()));
        let x = if left_is_emptier(&tops, x_min, x_max) {
            5
        } else {
            plot_w - legend_w - 5
        };
        (x, legend_y)
    } else {
        // Dots and bands fill any part of the plot, so the legend goes to the corner that
        // covers the fewest of them (ties: upper right, upper left, lower right, lower left).
        let entries: usize = cleaned
            .iter()
            .map(|(s, _)| {
                usize::from(!s.label.is_empty())
                    + usize::from(!s.band.is_empty() && !s.band_label.is_empty())
            })
            .sum();
        let legend_h = entries as i32 * 22 + 20;
        let area = ctx.plotting_area();
        let (base_x, base_y) = area.get_base_pixel();
        let mut drawn: Vec<(i32, i32)> = Vec::new();
        for p in lines.iter().flatten() {
            drawn.push(area.map_coordinate(p));
        }
        for b in bands.iter().flatten() {
            drawn.push(area.map_coordinate(&(b.0, b.1)));
            drawn.push(area.map_coordinate(&(b.0, b.2)));
        }
        for l in &labels {
            drawn.push(area.map_coordinate(&(l.x, l.y)));
        }
        let (right, bottom) = (plot_w - legend_w - 5, plot_h - legend_h - 5);
        let corners = [
            (right, legend_y),
            (5, legend_y),
            (right, bottom),
            (5, bottom),
        ];
        let covered = |&(x, y): &(i32, i32)| {
            let (x0, y0) = (base_x + x - 10, base_y + y - 10);
            let (x1, y1) = (x0 + legend_w + 20, y0 + legend_h + 20);
            drawn
                .iter()
                .filter(|(px, py)| (x0..=x1).contains(px) && (y0..=y1).contains(py))
                .count()
        };
        corners
            .iter()
            .min_by_key(|c| covered(c))
            .copied()
            .unwrap_or((right, legend_y))
    };
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::Coordinate(legend_x, legend_y))
        .label_font(legend_font)
        .legend_area_size(30)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(120, 120, 120))
        .margin(10)
        .draw()
        .map_err(err)
}

/// Whether the legend fits better in the upper-left than the upper-right corner: compares the
/// highest point of the drawn lines (vertices plus edge crossings) over the outer thirds.
fn left_is_emptier(lines: &[Vec<(f64, f64)>], x_min: f64, x_max: f64) -> bool {
    let peak = |lo: f64, hi: f64| {
        let inside = lines
            .iter()
            .flatten()
            .filter(|p| (lo..=hi).contains(&p.0))
            .map(|p| p.1);
        let edges = lines
            .iter()
            .flat_map(|l| [value_at(l, lo), value_at(l, hi)]);
        inside.chain(edges).fold(0.0, f64::max)
    };
    let third = (x_max - x_min) / 3.0;
    peak(x_min, x_min + third) <= peak(x_max - third, x_max)
}

/// A tick on a category axis: the name at a whole x, nothing between names.
fn category_tick(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    names.get(i as usize).cloned().unwrap_or_default()
}

/// Whole numbers print without decimals; otherwise up to two, trimmed, so ticks stay short.
fn tick(v: &f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0" } else { s }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(label: &str, key: &str, points: Vec<(f64, f64)>) -> Series {
        Series::line(label, key, points)
    }

    fn sample(stacked: bool) -> Chart {
        let pts = |k: f64| {
            (0..=24)
                .map(|h| (h as f64, k + (h as f64 / 4.0).sin()))
                .collect()
        };
        Chart {
            title: "Node capacity".into(),
            x_label: "time (h)".into(),
            y_label: "nodes".into(),
            series: vec![
                series("linux pool", "linux", pts(3.0)),
                series("win pool", "win", pts(5.0)),
            ],
            stacked,
            markers: vec![Marker {
                x: 6.5,
                label: "outage".into(),
            }],
            ..Chart::default()
        }
    }

    #[test]
    fn dots_bands_labels_and_category_axes_render() {
        let names: Vec<String> = ["Standard_D4s_v5", "Standard_D8s_v5", "Standard_E4s_v5"]
            .map(String::from)
            .to_vec();
        let chart = Chart {
            title: "cost by vm_size".into(),
            x_label: "vm_size".into(),
            y_label: "total cost (USD)".into(),
            series: vec![
                Series {
                    label: "each run".into(),
                    key: "p".into(),
                    points: vec![(0.0, 3.0), (0.0, 4.0), (1.0, 5.0), (2.0, 6.0)],
                    style: Style::Dots {
                        radius: 3,
                        faint: true,
                    },
                    ..Series::default()
                },
                Series {
                    label: "median".into(),
                    key: "p".into(),
                    points: vec![(0.0, 3.5), (1.0, 5.0), (2.0, 6.0)],
                    style: Style::LineDots { radius: 4 },
                    band: vec![(0.0, 3.0, 4.0), (1.0, 5.0, 5.0), (2.0, 6.0, 6.0)],
                    band_label: "p5 to p95".into(),
                },
            ],
            x_axis: XAxis::Categories(names.clone()),
            y_fit: true,
            labels: vec![Label {
                x: 1.0,
                y: 5.0,
                text: "a <label>".into(),
            }],
            ..Chart::default()
        };
        let palette = Palette::new(&["p".to_string()]);
        let svg = render_svg(&chart, &palette).unwrap();
        for text in [
            "cost by vm_size",
            "each run",
            "median",
            "p5 to p95",
            "vm_size",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
        for name in &names {
            assert!(svg.contains(name.as_str()), "no tick for {name}");
        }
        // The label's markup is text in the SVG, not an element.
        assert!(svg.contains("a &lt;label&gt;") && !svg.contains("<label>"));
        assert_eq!(svg, render_svg(&chart, &palette).unwrap());
        assert!(render_png(&chart, &palette).is_ok());
        // A line of one point over names still shows its dot.
        let mut lone = chart.clone();
        lone.series.truncate(1);
        let without = render_svg(&lone, &palette)
            .unwrap()
            .matches("<circle")
            .count();
        lone.series.push(Series {
            label: "median".into(),
            key: "p".into(),
            points: vec![(1.0, 5.0)],
            style: Style::LineDots { radius: 4 },
            ..Series::default()
        });
        let with = render_svg(&lone, &palette)
            .unwrap()
            .matches("<circle")
            .count();
        assert_eq!(with, without + 2, "the dot and its legend swatch");
    }

    #[test]
    fn category_ticks_name_whole_positions_only() {
        let names = ["a".to_string(), "b".to_string()];
        assert_eq!(category_tick(&names, 1.0), "b");
        assert_eq!(category_tick(&names, 0.5), "");
        assert_eq!(category_tick(&names, 2.0), "");
        assert_eq!(category_tick(&names, -1.0), "");
    }

    #[test]
    fn svg_has_title_and_labels_and_is_deterministic() {
        let palette = Palette::new(&["linux".to_string(), "win".to_string()]);
        for stacked in [false, true] {
            let svg = render_svg(&sample(stacked), &palette).unwrap();
            for text in [
                "Node capacity",
                "linux pool",
                "win pool",
                "outage",
                "time (h)",
                "nodes",
            ] {
                assert!(svg.contains(text), "missing {text}");
            }
            assert_eq!(svg, render_svg(&sample(stacked), &palette).unwrap());
        }
    }

    #[test]
    fn empty_and_degenerate_charts_render() {
        let palette = Palette::new(&[]);
        let mut chart = sample(true);
        chart.series.iter_mut().for_each(|s| s.points.clear());
        chart.series.push(series("nan", "n", vec![(f64::NAN, 1.0)]));
        let svg = render_svg(&chart, &palette).unwrap();
        assert!(svg.contains("Node capacity") && svg.contains("no data"));
        chart.series.clear();
        assert!(render_svg(&chart, &palette).unwrap().contains("no data"));
        let single = Chart {
            series: vec![Series::line("one", "k", vec![(2.0, 0.0)])],
            ..Chart::default()
        };
        assert!(render_svg(&single, &palette).unwrap().contains("one"));
    }

    #[test]
    fn png_has_magic_bytes() {
        let bytes = render_png(&sample(true), &Palette::new(&[])).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(
            bytes,
            render_png(&sample(true), &Palette::new(&[])).unwrap()
        );
    }
}
