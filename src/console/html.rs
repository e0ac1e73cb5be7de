//! The page layout (landmarks, header, navigation, sign-out form) and the stylesheet, which is
//! embedded in the binary and served from `/assets/console.css` (no CDN, no inline style).
//! maud escapes every interpolated value.

use maud::{html, Markup, DOCTYPE};

use super::auth::Session;
use super::i18n::{current_path, lang, switch_href, t, t_code, tr, Lang};

/// The stylesheet (GOV.UK-like colours, all text contrast ≥ 4.5:1).
pub const STYLESHEET: &str = r#"
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:16px;line-height:1.45;color:#0b0c0c;background:#f3f2f1}
a{color:#1d5aa0}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #ffdd00;outline-offset:0}
header.site{background:#0b0c0c;color:#fff;padding:.6rem 1.5rem;display:flex;align-items:center;gap:1.5rem;flex-wrap:wrap}
header.site .brand{font-weight:700;font-size:1.15rem;color:#fff;text-decoration:none}
header.site nav a{color:#fff;margin-right:1rem}
header.site .who{margin-left:auto;display:flex;gap:.8rem;align-items:center}
header.site .who button{background:none;border:1px solid #fff;color:#fff;padding:.25rem .7rem;cursor:pointer;font:inherit}
main{max-width:1180px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.8rem;margin:.4rem 0 1rem}h2{font-size:1.3rem;margin:1.6rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:.8rem;margin-bottom:1rem}
.card{background:#fff;border-left:5px solid #1d70b8;padding:.7rem .9rem;text-decoration:none;color:#0b0c0c}
.card .count{display:block;font-size:2rem;font-weight:700}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #b1b4b6;vertical-align:top}
th{background:#e8e8e8}
td code{overflow-wrap:anywhere}
td select{width:100%;max-width:22rem}
@media (max-width:760px){th,td{padding:.35rem .3rem}td form.inline select,td form.inline button{display:block;margin:.2rem 0}}
tr.differs td{background:#fff4e5}
.empty{color:#505a5f;font-style:italic}
.panel{background:#fff;padding:1rem 1.2rem;margin-bottom:1rem}
.columns{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
.columns>aside{align-self:start}
@media (max-width:900px){.columns{grid-template-columns:1fr}}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.facts dt{font-weight:700}dl.facts dd{margin:0}
ul.meanings{padding-left:1.2rem;margin:.5rem 0 0}
form.stacked label{display:block;font-weight:700;margin:.7rem 0 .2rem}
form.stacked input,form.stacked select,form.stacked textarea{width:100%;max-width:32rem;padding:.4rem;font:inherit;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c}
.panel>h2:first-child,.panel>h3:first-child{margin-top:0}.nowrap{white-space:nowrap}
form.stacked button{display:block}
button.primary,button.warning,button.secondary{margin-top:.9rem;padding:.5rem 1rem;font:inherit;font-weight:700;border:0;cursor:pointer;color:#fff}
button.primary{background:#00703c}button.warning{background:#d4351c}button.secondary{background:#1d5aa0}
a.button{display:inline-block;margin:.3rem .6rem .3rem 0;padding:.5rem 1rem;font-weight:700;color:#fff;background:#1d5aa0;text-decoration:none}a.button:hover{background:#174a85}
.notice{background:#fff;border-left:5px solid #00703c;padding:.7rem 1rem;margin-bottom:1rem}
.fingerprint code{font-size:1.5rem;font-weight:700;letter-spacing:.08em;word-spacing:.3em}
.error{background:#fff;border-left:5px solid #d4351c;padding:.7rem 1rem;margin-bottom:1rem}
.hint{color:#505a5f;font-size:.95rem;margin:.2rem 0}
svg.waterfall{max-width:100%;height:auto;background:#fff}
.pager{margin:.5rem 0}
p.lead{font-size:1.1rem;max-width:46rem;margin:0 0 1.2rem}
fieldset{border:0;border-top:1px solid #b1b4b6;margin:1.4rem 0 0;padding:.6rem 0 0;min-width:0}
legend{font-weight:700;font-size:1.15rem;padding:0 .4rem 0 0}
fieldset.case{background:#f3f2f1;border:0;padding:.8rem 1rem 1rem;margin-top:1.6rem}
fieldset.case legend{float:left;width:100%;margin-bottom:.3rem}
fieldset.case legend+*{clear:both}
.field.has-error{border-left:5px solid #b3261e;padding-left:.8rem}
.panel.expiring{border-left:5px solid #b3261e}
.field.has-error input,.field.has-error select{border-color:#b3261e}
.field-error{color:#b3261e;font-weight:700;margin:.2rem 0}
.field-warning{color:#0b0c0c;margin:.2rem 0}
.tag{display:inline-block;font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;padding:.05rem .4rem;margin-right:.2rem;color:#fff;background:#b3261e}
.field-warning .tag{background:#505a5f}
.error-summary{background:#fff;border:5px solid #b3261e;padding:.8rem 1.2rem;margin-bottom:1.2rem}
.error-summary h2{margin-top:0}.error-summary a{color:#b3261e;font-weight:700}
ul.guidance{padding-left:1.2rem;margin:0}ul.guidance li{margin-bottom:.6rem}
ol.results{list-style:none;padding:0;margin:0}
.result{border-left:5px solid #1d70b8}
.result-head{display:flex;align-items:center;gap:1rem;flex-wrap:wrap;margin-bottom:.6rem}
.result-head h3{margin:0;font-size:1.2rem}
.result h4{margin:1rem 0 .3rem}
.band{padding:.15rem .6rem;font-weight:700;font-size:.95rem}
.band-very-strong{background:#00703c;color:#fff}.band-strong{background:#1d5aa0;color:#fff}
.band-possible{background:#ffdd00;color:#0b0c0c}.band-weak{background:#505a5f;color:#fff}
ul.evidence{list-style:none;padding:0;margin:0}ul.evidence li{padding:.25rem 0;border-bottom:1px solid #e8e8e8}
ul.evidence .for,ul.evidence .against,ul.evidence .neutral{display:inline-block;min-width:5.8rem;font-weight:700}
ul.evidence .for{color:#00703c}ul.evidence .against{color:#b3261e}ul.evidence .neutral{color:#505a5f}
.standing{display:block;font-size:.9rem;color:#b3261e}.standing.runner-up{color:#505a5f}
details{margin-top:.8rem}summary{cursor:pointer;color:#1d5aa0;font-weight:700}
.no-match{border-left:5px solid #505a5f}.no-match h3{margin:.2rem 0 .4rem}
.results .notice,.results .error{margin-top:.6rem}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.choice{display:grid;grid-template-columns:auto 1fr;gap:0 .6rem;align-items:center;margin:.5rem 0}
.choice input{width:1.4rem;height:1.4rem;margin:0;accent-color:#0b0c0c}.choice label{font-weight:700;margin:0}.choice .hint{grid-column:2}
form.stacked .choice label{margin:0}form.stacked .choice input{width:1.4rem;max-width:none;padding:0}
form.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}form.inline select{padding:.3rem;font:inherit;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;max-width:100%}
form.inline button.secondary{margin-top:0}
#sending{margin-top:1rem}#sending label{font-weight:700}
progress{display:block;width:100%;max-width:32rem;height:1.4rem;margin:.4rem 0}
.tag.warning-tag{background:#505a5f}
table.problems td:first-child{white-space:nowrap}
code{font-size:.85rem;word-break:break-all}
header.site nav a[aria-current=page]{font-weight:700;text-decoration:none;border-bottom:4px solid #ffdd00;padding-bottom:.1rem}
header.site nav.langs{display:flex;gap:.7rem;align-items:center}header.site nav.langs a{margin:0}header.site nav.langs span{font-weight:700;border-bottom:4px solid #ffdd00}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#ffdd00;color:#0b0c0c;padding:.3rem}
"#;

/// A hidden field carrying the session's CSRF token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// The main navigation's paths.
const NAV: [&str; 6] = [
    "/",
    "/search",
    "/uploads",
    "/cases",
    "/fingerprints",
    "/data-protection",
];

/// The main navigation: each page's path and its name.
fn nav_links() -> [(&'static str, String); 6] {
    [
        (NAV[0], t("nav-dashboard")),
        (NAV[1], t("nav-search")),
        (NAV[2], t("nav-uploads")),
        (NAV[3], t("nav-cases")),
        (NAV[4], t("nav-fingerprints")),
        (NAV[5], t("nav-data-protection")),
    ]
}

/// The navigation link of the page at `path` (a path and query): the one whose path it is,
/// or lies under (`/uploads/…` is under Uploads); the dashboard only for `/` itself.
fn current_nav(path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    NAV.into_iter().find(|href| match *href {
        "/" => path == "/",
        href => path == href || path.starts_with(&format!("{href}/")),
    })
}

/// The language switch: each language by its own name, with its `lang`; the current one is
/// not a link.
fn language_switch() -> Markup {
    let current = lang();
    html! {
        nav class="langs" aria-label=(t("language-switch")) {
            @for other in Lang::ALL {
                @if other == current {
                    span lang=(other.code()) aria-current="true" { (other.own_name()) }
                } @else {
                    a href=(switch_href(other)) lang=(other.code()) hreflang=(other.code()) { (other.own_name()) }
                }
            }
        }
    }
}

/// A whole page: `title`, the authority's name in the header, the signed-in user (and a
/// sign-out form) when there is one, the language switch, and `body` inside `<main>`; in the
/// request's language, with the navigation link of the page shown marked `aria-current`.
pub fn page(title: &str, authority: &str, session: Option<&Session>, body: Markup) -> Markup {
    let user = session.and_then(|s| s.user.as_ref().map(|u| (s, u)));
    let current = current_nav(&current_path());
    html! {
        (DOCTYPE)
        html lang=(lang().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (tr!("page-title", title = title, authority = authority)) }
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                a class="skip" href="#content" { (t("skip-to-content")) }
                header class="site" {
                    a class="brand" href="/" { "pupilmatch · " (authority) }
                    @if let Some((session, user)) = user {
                        nav aria-label=(t("nav-main")) {
                            @for (href, name) in nav_links() {
                                @if current == Some(href) {
                                    a href=(href) aria-current="page" { (name) }
                                } @else {
                                    a href=(href) { (name) }
                                }
                            }
                        }
                        div class="who" {
                            span { (t("signed-in-as")) " " strong { (user.as_str()) } }
                            form method="post" action="/sign-out" {
                                (csrf_field(session))
                                button type="submit" { (t("sign-out")) }
                            }
                            (language_switch())
                        }
                    } @else {
                        div class="who" { (language_switch()) }
                    }
                }
                main id="content" { (body) }
            }
        }
    }
}

/// A table's head row: one column header per name.
pub fn column_heads<S: AsRef<str>>(names: &[S]) -> Markup {
    html! {
        thead { tr { @for name in names { th scope="col" { (name.as_ref()) } } } }
    }
}

/// A `<select>` of codes (reasons, outcomes), each shown as words.
pub fn code_select<'a>(id: &str, name: &str, codes: impl Iterator<Item = &'a str>) -> Markup {
    html! {
        select id=(id) name=(name) {
            @for code in codes { option value=(code) { (super::vocab::code_words(code)) } }
        }
    }
}

/// A code such as `names_and_dob_agree` as words: "Names and dob agree".
pub fn code_words(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A probability for people: one decimal, but never a rounded-up certainty.
pub fn percent(p: f64) -> String {
    if (0.9995..1.0).contains(&p) {
        t("percent-over")
    } else if p > 0.0 && p < 0.0005 {
        t("percent-under")
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// The canonical fields of a disclosed record (protocol.md §1.1) that have a message.
pub const DISCLOSED_FIELDS: [&str; 16] = [
    "forename",
    "middle_names",
    "surname",
    "former_surname",
    "preferred_forename",
    "preferred_surname",
    "dob",
    "sex",
    "upn",
    "former_upn",
    "scn",
    "ppsn",
    "ni_pupil_id",
    "school",
    "address",
    "postcode",
];

/// A disclosed record's canonical field name (protocol.md §1.1) for people.
pub fn field_words(field: &str) -> String {
    match field {
        known if DISCLOSED_FIELDS.contains(&known) => t_code("field", known),
        other => super::vocab::code_words(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_text_is_escaped() {
        let html = page("<script>", "Leeds & Co", None, html! { p { ("<b>") } }).into_string();
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("Leeds &amp; Co"));
        assert!(html.contains("<p>&lt;b&gt;</p>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn a_signed_in_page_carries_the_csrf_token_in_its_sign_out_form() {
        let session = Session {
            token: "t".into(),
            csrf: "c5rf".into(),
            user: Some(super::super::StaffName::parse("Ann").unwrap()),
        };
        let html = page("Dashboard", "Leeds", Some(&session), html! {}).into_string();
        assert!(html.contains(r#"name="csrf" value="c5rf""#), "{html}");
        assert!(html.contains("Signed in as <strong>Ann</strong>"), "{html}");
    }

    fn ann() -> Session {
        Session {
            token: "t".into(),
            csrf: "c5rf".into(),
            user: Some(super::super::StaffName::parse("Ann").unwrap()),
        }
    }

    #[tokio::test]
    async fn the_page_shown_is_marked_current_in_the_navigation_and_no_other() {
        let cases = |path: &'static str| {
            crate::console::i18n::within(Lang::En, path, async move {
                page("Cases", "Leeds", Some(&ann()), html! {}).into_string()
            })
        };
        let html = cases("/cases?closed=A").await;
        assert!(
            html.contains(r#"<a href="/cases" aria-current="page">Cases</a>"#),
            "{html}"
        );
        assert_eq!(html.matches(r#"aria-current="page""#).count(), 1, "{html}");
        let upload = cases("/uploads/abc").await;
        assert!(upload.contains(r#"<a href="/uploads" aria-current="page">Uploads</a>"#));
        let dashboard = cases("/?group=new").await;
        assert!(dashboard.contains(r#"<a href="/" aria-current="page">Dashboard</a>"#));
        let candidate = cases("/candidates/3").await;
        assert!(
            !candidate.contains(r#"aria-current="page""#),
            "no nav link for a candidate"
        );
    }

    #[tokio::test]
    async fn a_welsh_page_is_marked_welsh_and_offers_english_back_to_the_same_page() {
        let html = crate::console::i18n::within(Lang::Cy, "/cases", async {
            page("Achosion", "Leeds", Some(&ann()), html! {}).into_string()
        })
        .await;
        assert!(html.contains(r#"<html lang="cy">"#), "{html}");
        assert!(
            html.contains(r#"<a href="/cases" aria-current="page">Achosion</a>"#),
            "{html}"
        );
        assert!(
            html.contains("Wedi mewngofnodi fel <strong>Ann</strong>"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="/language?to=en&amp;back=/cases" lang="en" hreflang="en">English</a>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<span lang="cy" aria-current="true">Cymraeg</span>"#),
            "{html}"
        );
        // Signed out, the switch is there too.
        let signed_out = crate::console::i18n::within(Lang::En, "/sign-in", async {
            page("Sign in", "Leeds", None, html! {}).into_string()
        })
        .await;
        assert!(
            signed_out.contains(r#"lang="cy" hreflang="cy">Cymraeg</a>"#),
            "{signed_out}"
        );
        assert!(signed_out.contains(r#"<html lang="en">"#));
    }

    #[test]
    fn a_near_certain_probability_is_not_rounded_up_to_certainty() {
        assert_eq!(percent(0.99999), "over 99.9%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.9512), "95.1%");
        assert_eq!(percent(0.0001), "under 0.1%");
    }

    #[test]
    fn disclosed_fields_read_as_words() {
        assert_eq!(field_words("dob"), "Date of birth");
        assert_eq!(field_words("upn"), "UPN");
        assert_eq!(field_words("former_surname"), "Former surname");
    }

    #[test]
    fn codes_read_as_words() {
        assert_eq!(code_words("names_and_dob_agree"), "Names and dob agree");
        assert_eq!(code_words(""), "");
    }
}
