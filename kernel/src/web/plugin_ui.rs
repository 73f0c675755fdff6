//! Plugin panels' files, served from `<artifacts>/<plugin>/ui/` (where
//! `cargo xtask plugins` puts each plugin's `ui/` folder together with the
//! panel SDK).
//!
//! Every response carries a Content-Security-Policy that sandboxes the
//! document without same-origin and forbids network access, so even a
//! panel opened outside the console's sandboxed iframe cannot read the
//! CSR's cookies or call the REST API.

use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ui::file_response;
use crate::Kernel;

const PANEL_POLICY: &str = "sandbox allow-scripts allow-downloads allow-modals; \
     default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     font-src 'self'; connect-src 'none'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'self'";

/// The file for `path` under `root`, or `None` when the path tries to
/// leave it (`..`, absolute parts) or is empty.
fn confined(root: &FsPath, path: &str) -> Option<PathBuf> {
    let relative = FsPath::new(path);
    let clean = !path.is_empty()
        && relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)));
    clean.then(|| root.join(relative))
}

/// `GET /plugin-ui/{plugin}/{*path}`
pub async fn file(
    State(kernel): State<Arc<Kernel>>,
    Path((plugin, path)): Path<(String, String)>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such panel file").into_response();
    if kernel.plugins.plugin(&plugin).is_none() {
        return not_found();
    }
    let root = kernel.config.plugins.artifacts_dir.join(&plugin).join("ui");
    let Some(file) = confined(&root, &path) else {
        return not_found();
    };
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return not_found();
    };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let mut response = file_response(bytes, mime.as_ref(), "no-cache");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PANEL_POLICY),
    );
    // Panels are framed by the console, from this server only.
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_paths_stay_inside_the_plugin_folder() {
        let root = FsPath::new("/srv/plugins/sysinfo/ui");
        assert_eq!(confined(root, "panel.html"), Some(root.join("panel.html")));
        assert_eq!(confined(root, "img/a.png"), Some(root.join("img/a.png")));
        for bad in ["", "../secret", "a/../../b", "/etc/passwd", "./x"] {
            assert_eq!(confined(root, bad), None, "{bad}");
        }
    }
}
