//! Placeholder until the chart module lands.
pub struct Series {
    pub label: String,
    pub key: String,
    pub points: Vec<(f64, f64)>,
}
pub struct Marker {
    pub x: f64,
    pub label: String,
}
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub stacked: bool,
    pub markers: Vec<Marker>,
}
pub struct Palette;
impl Palette {
    pub fn new(_keys: &[String]) -> Palette {
        Palette
    }
}
pub fn render_svg(chart: &Chart, _p: &Palette) -> Result<String, String> {
    Ok(format!("<svg>{}</svg>", chart.title))
}
pub fn render_png(_c: &Chart, _p: &Palette, path: &std::path::Path) -> Result<(), String> {
    std::fs::write(path, b"\x89PNG").map_err(|e| e.to_string())
}
