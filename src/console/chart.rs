//! The waterfall chart as inline SVG: one row per step, bars on a shared log2-odds axis, the
//! colour and a text label for each contribution (colour is never the only signal). Only SVG
//! presentation attributes are used, so the strict Content-Security-Policy holds.

use maud::{html, Markup};

use super::evidence::Step;
use super::i18n::t;

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 150.0;
const VALUE_WIDTH: f64 = 70.0;
const ROW: f64 = 30.0;
const BAR: f64 = 18.0;

/// The chart of `steps`, titled `title` (announced to screen readers).
pub fn waterfall_svg(steps: &[Step], title: &str) -> Markup {
    waterfall_svg_with_id(steps, title, "waterfall-title")
}

/// [`waterfall_svg`] with its title's element id, for a page holding several charts.
pub fn waterfall_svg_with_id(steps: &[Step], title: &str, title_id: &str) -> Markup {
    let lo = steps
        .iter()
        .flat_map(|s| [s.from, s.to])
        .fold(0.0_f64, f64::min);
    let hi = steps
        .iter()
        .flat_map(|s| [s.from, s.to])
        .fold(0.0_f64, f64::max);
    let span = (hi - lo).max(1.0);
    let label_width = label_width(steps);
    let plot = WIDTH - label_width - VALUE_WIDTH;
    let x = |v: f64| label_width + (v - lo) / span * plot;
    let height = ROW * steps.len() as f64 + 24.0;
    let zero = x(0.0);
    html! {
        svg class="waterfall" role="img" aria-labelledby=(title_id)
            viewBox=(format!("0 0 {WIDTH} {height}")) width=(WIDTH) height=(height)
            xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (title) }
            line x1=(fmt(zero)) x2=(fmt(zero)) y1="0" y2=(fmt(height - 20.0))
                stroke="#505a5f" stroke-width="1" {}
            text x=(fmt(zero)) y=(fmt(height - 6.0)) text-anchor="middle" font-size="12"
                fill="#0b0c0c" { (t("chart-even-odds")) }
            @for (i, step) in steps.iter().enumerate() {
                @let y = ROW * i as f64 + 6.0;
                @let (left, right) = (x(step.from.min(step.to)), x(step.from.max(step.to)));
                @let delta = step.to - step.from;
                @let colour = if step.is_total { "#1d70b8" } else if delta >= 0.0 { "#00703c" } else { "#d4351c" };
                g {
                    title { (step.label) ": " (step.meaning) }
                    text x=(fmt(label_width - 8.0)) y=(fmt(y + BAR - 4.0)) text-anchor="end"
                        font-size="14" fill="#0b0c0c" { (step.label) }
                    rect x=(fmt(left)) y=(fmt(y)) width=(fmt((right - left).max(2.0)))
                        height=(fmt(BAR)) fill=(colour) {}
                    text x=(fmt(WIDTH - 4.0)) y=(fmt(y + BAR - 4.0)) text-anchor="end"
                        font-size="14" fill="#0b0c0c" {
                        @if step.is_total { (format!("{:.1}", step.to)) }
                        @else { (format!("{delta:+.1}")) }
                    }
                }
            }
        }
    }
}

/// The width of the label column: [`LABEL_WIDTH`], or more for a longer label (a Welsh one,
/// "Pwysau cyfatebiaeth"), at about 8 units a character of the 14-unit font.
fn label_width(steps: &[Step]) -> f64 {
    let longest = steps.iter().map(|s| s.label.chars().count()).max();
    longest.map_or(LABEL_WIDTH, |n| (n as f64 * 8.0 + 16.0).max(LABEL_WIDTH))
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(from: f64, to: f64, is_total: bool) -> Step {
        Step {
            label: "Date of birth <b>".into(),
            meaning: "m".into(),
            from,
            to,
            is_total,
        }
    }

    #[test]
    fn the_chart_has_one_bar_per_step_a_title_and_escaped_labels() {
        let svg = waterfall_svg(
            &[
                step(0.0, -10.0, true),
                step(-10.0, 2.0, false),
                step(0.0, 2.0, true),
            ],
            "Evidence",
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title id=\"waterfall-title\">Evidence</title>"));
        assert!(svg.contains("Date of birth &lt;b&gt;"), "{svg}");
        assert!(svg.contains("+12.0"), "{svg}");
        assert!(!svg.contains("style="), "no inline styles under the CSP");
    }

    #[test]
    fn a_long_label_widens_its_column_and_a_short_one_keeps_the_usual_width() {
        let labelled = |label: &str| Step {
            label: label.into(),
            ..step(0.0, 1.0, true)
        };
        assert_eq!(label_width(&[labelled("Match weight")]), LABEL_WIDTH);
        let welsh = [labelled("Match weight"), labelled("Pwysau cyfatebiaeth")];
        assert!(label_width(&welsh) >= 19.0 * 8.0);
    }

    #[test]
    fn gains_and_losses_get_different_colours() {
        let gain = waterfall_svg(&[step(0.0, 3.0, false)], "t").into_string();
        let loss = waterfall_svg(&[step(0.0, -3.0, false)], "t").into_string();
        assert!(gain.contains("#00703c") && !gain.contains("#d4351c"));
        assert!(loss.contains("#d4351c") && !loss.contains("#00703c"));
    }
}
