//! Draws line and stacked-area time-series charts to SVG/PNG; the font is embedded so plotting needs no system libraries.

use std::collections::HashMap;
use std::path::Path;
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

/// One line on a chart. `key` picks the colour: the same key gets the same colour in every chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub key: String,
    pub points: Vec<(f64, f64)>,
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
    /// true: stacked areas (cumulative sum in series order); false: lines.
    pub stacked: bool,
    pub markers: Vec<Marker>,
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

pub fn render_png(chart: &Chart, palette: &Palette, path: &Path) -> Result<(), String> {
    ensure_font()?;
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    draw(&root, chart, palette)?;
    root.present()
        .map_err(|e| format!("writing {}: {e}", path.display()))
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
    let markers: Vec<&Marker> = chart.markers.iter().filter(|m| m.x.is_finite()).collect();
    let xs = || {
        lines
            .iter()
            .flatten()
            .map(|p| p.0)
            .chain(markers.iter().map(|m| m.x))
    };
    let x_min = xs().fold(f64::INFINITY, f64::min);
    let x_max = xs().fold(f64::NEG_INFINITY, f64::max);
    // A lone x value gets a unit-wide range centred on it, so its point is not drawn on the axis.
    let (x_min, x_max) = if x_max > x_min {
        (x_min, x_max)
    } else {
        (x_min - 0.5, x_min + 0.5)
    };
    let y_peak = lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let y_max = (y_peak * 1.1).max(1.0);

    let mut ctx = ChartBuilder::on(root)
        .caption(chart.title.as_str(), (FONT, 28))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(242, 242, 242))
        .max_light_lines(1)
        .draw()
        .map_err(err)?;

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
        // A one-point line would be invisible, so it gets a dot.
        let dot = if line.len() == 1 { 4 } else { 0 };
        let drawn = LineSeries::new(line.iter().copied(), colour.stroke_width(2)).point_size(dot);
        let swatch = move |(x, y)| Rectangle::new([(x, y - hh), (x + 20, y + hh)], colour.filled());
        ctx.draw_series(drawn)
            .map_err(err)?
            .label(series.label.as_str())
            .legend(swatch);
    }

    let label_font = (FONT, 15).into_font().color(&MARKER_COLOUR);
    for (i, m) in markers.iter().enumerate() {
        let dashes = DashedLineSeries::new([(m.x, 0.0), (m.x, y_max)], 6, 4, MARKER_COLOUR.into());
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
    for (series, _) in &cleaned {
        let (w, _) = root
            .estimate_text_size(&series.label, &legend_font)
            .map_err(err)?;
        text_w = text_w.max(w as i32);
    }
    // Mirrors plotters' legend box: swatch area (30) plus the margin on both sides.
    let legend_w = text_w + 30 + 2 * 10;
    let legend_y = 5 + if markers.is_empty() {
        0
    } else {
        8 + 17 * markers.len().min(3) as i32
    };
    let plot_w = ctx.plotting_area().dim_in_pixel().0 as i32;
    let legend_x = if left_is_emptier(&lines, x_min, x_max) {
        5
    } else {
        plot_w - legend_w - 5
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
        Series {
            label: label.into(),
            key: key.into(),
            points,
        }
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
        }
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
            series: vec![series("one", "k", vec![(2.0, 0.0)])],
            ..Chart::default()
        };
        assert!(render_svg(&single, &palette).unwrap().contains("one"));
    }

    #[test]
    fn png_has_magic_bytes() {
        let name = format!("aksim-plots-test-{}.png", std::process::id());
        let path = std::env::temp_dir().join(name);
        render_png(&sample(true), &Palette::new(&[]), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
