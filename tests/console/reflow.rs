//! WCAG 2.2 reflow in the browser: every page a signed-in coordinator reaches fits a 1280×720
//! screen and the same screen at 200% zoom (a 640-pixel-wide window) without scrolling
//! sideways, and axe-core finds no violation at the narrow width. Screenshots at 200% are
//! written as `zoom-200-*.png`.

use crate::{candidate_on_dashboard, signed_in, welsh, Side, LEEDS_RECORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_1280_by_720_screen_and_the_same_screen_at_200_percent_zoom() {
    let (world, _driver, leeds) = signed_in(Side::Leeds).await;
    let candidate = format!(
        "/candidates/{}",
        candidate_on_dashboard(&leeds, LEEDS_RECORD).await
    );
    let pages = [
        ("dashboard", "/"),
        ("candidate", candidate.as_str()),
        ("search", "/search"),
        ("uploads", "/uploads"),
        ("cases", "/cases"),
        ("fingerprints", "/fingerprints"),
        ("data-protection", "/data-protection"),
    ];
    for (width, height) in [(1280, 720), (640, 720)] {
        leeds
            .client
            .set_window_size(width, height)
            .await
            .expect("the window resized");
        for (name, path) in pages {
            leeds.goto(&world.leeds.at(path)).await;
            assert_eq!(leeds.path().await, path, "{name} is shown, not a redirect");
            if width == 640 {
                leeds.screenshot(&format!("zoom-200-{name}")).await;
                leeds.assert_accessible(name).await;
            }
            welsh::assert_fits(&leeds).await;
        }
    }
}
