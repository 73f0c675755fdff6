//! The bundled web UI (`kernel/ui`, built by `cargo xtask run`/`test` into
//! `kernel/ui/dist`) compiled into the kernel binary: the CSR console at
//! `/`, the customer page at `/join`, the admin pages at `/admin`, the host
//! of plugins' public pages (`public.rs` serves it), and the host agent's
//! download at `/download/tether-agent`.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "ui/dist/"]
#[allow_missing = true]
struct Assets;

/// The pages load nothing but their own bundle, talk only to this server,
/// and frame only plugin panels (also from this server, sandboxed).
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

const NOT_BUILT: &str = "The web UI is not built into this kernel. Build it with \
     `cargo xtask run` (or `npm --prefix kernel/ui ci && npm --prefix kernel/ui run build`) \
     and start the kernel again.";

/// A file's bytes with its type, caching rule and `nosniff`; callers add
/// what is particular to them (a page's or a panel's CSP).
pub(super) fn file_response(bytes: Vec<u8>, content_type: &str, cache: &'static str) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn page(file: &str) -> Response {
    let Some(content) = Assets::get(file) else {
        return (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response();
    };
    page_response(content.data.into_owned())
}

/// A page of the UI with its policy.
fn page_response(html: Vec<u8>) -> Response {
    let mut response = file_response(html, "text/html; charset=utf-8", "no-cache");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `public.html` with `context` in its data block
/// (`<script type="application/json" id="tether-public">`), where the
/// page reads it: JSON whose `<`, `>` and `&` are escaped, so nothing in it
/// can end the block.
pub(super) fn public_page(context: &serde_json::Value) -> Response {
    let Some(content) = Assets::get("public.html") else {
        return (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response();
    };
    let html = String::from_utf8_lossy(&content.data).into_owned();
    let data = context
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let Some(filled) = with_context(&html, &data) else {
        tracing::error!("public.html has no `tether-public` data block to fill");
        return (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response();
    };
    page_response(filled.into_bytes())
}

/// `html` with `data` as the content of the element `id="tether-public"`.
fn with_context(html: &str, data: &str) -> Option<String> {
    let marker = html.find("id=\"tether-public\"")?;
    let open_end = marker + html[marker..].find('>')? + 1;
    let close = open_end + html[open_end..].find("</script>")?;
    Some(format!("{}{data}{}", &html[..open_end], &html[close..]))
}

/// `GET /`: the CSR console.
pub async fn console() -> Response {
    page("index.html")
}

/// `GET /join` and `GET /join/{number}`: the customer page.
pub async fn customer() -> Response {
    page("join.html")
}

/// `GET /admin`: the site admin's pages.
pub async fn admin() -> Response {
    page("admin.html")
}

/// `GET /assets/{file}`: the bundles; their names carry a content hash,
/// so browsers may keep them.
pub async fn asset(Path(file): Path<String>) -> Response {
    // One plain file name: a `..`, a slash or a backslash (even
    // percent-encoded) would reach the pages above, served without their
    // policy.
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && !file.contains(['/', '\\'])
        && !file.chars().any(char::is_control);
    match plain
        .then(|| Assets::get(&format!("assets/{file}")))
        .flatten()
    {
        Some(content) => {
            let mime = content.metadata.mimetype().to_owned();
            file_response(
                content.data.into_owned(),
                &mime,
                "public, max-age=31536000, immutable",
            )
        }
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// `GET /download/tether-agent`: the host agent built beside this kernel,
/// for the customer page's "start the helper" instructions.
pub async fn agent_download() -> Response {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("tether-agent")));
    let Some(path) = beside else {
        return (
            StatusCode::NOT_FOUND,
            "the host agent is not available here",
        )
            .into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"tether-agent\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "host agent download unavailable");
            (
                StatusCode::NOT_FOUND,
                "the host agent is not installed beside this server; ask your support team for it",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_context;

    #[test]
    fn the_public_pages_context_fills_its_data_block_only() {
        let html = "<head></head><body><div id=\"app\"></div>\n<script type=\"application/json\" id=\"tether-public\"></script>\n<script type=\"module\" src=\"/assets/p.js\"></script></body>";
        let filled = with_context(html, r#"{"plugin":"webacd"}"#).expect("block");
        assert!(filled.contains(
            r#"<script type="application/json" id="tether-public">{"plugin":"webacd"}</script>"#
        ));
        assert!(filled.ends_with(r#"<script type="module" src="/assets/p.js"></script></body>"#));
        assert_eq!(with_context("<body></body>", "{}"), None);
    }
}
