//! The applications installed for the customer, as their desktop's menus
//! show them: the XDG desktop entries (`applications/` under the data
//! home, then under each data directory), parsed by
//! `freedesktop-desktop-entry`. Where two directories hold the same
//! desktop file id the first wins, before anything is filtered, so a
//! user's `Hidden=true` copy hides the system's entry as menus do.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use freedesktop_desktop_entry::{DesktopEntry, Iter};
use serde::Serialize;

/// The `applications` directories to read, most important first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDirs(Vec<PathBuf>);

impl ApplicationDirs {
    /// From this process's environment (the customer's session).
    pub fn from_env() -> ApplicationDirs {
        ApplicationDirs::from_vars(
            std::env::var_os("XDG_DATA_HOME"),
            std::env::var_os("HOME"),
            std::env::var_os("XDG_DATA_DIRS"),
        )
    }

    /// The base directory specification's rules: an unset or empty
    /// variable takes its default, relative paths are ignored.
    pub fn from_vars(
        data_home: Option<OsString>,
        home: Option<OsString>,
        data_dirs: Option<OsString>,
    ) -> ApplicationDirs {
        let absolute = |path: PathBuf| path.is_absolute().then_some(path);
        let data_home = data_home
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .and_then(absolute)
            .or_else(|| {
                home.filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".local/share"))
                    .and_then(absolute)
            });
        let data_dirs = data_dirs
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| OsString::from("/usr/local/share:/usr/share"));
        let dirs = data_home
            .into_iter()
            .chain(std::env::split_paths(&data_dirs).filter_map(absolute))
            .map(|dir| dir.join("applications"))
            .collect();
        ApplicationDirs(dirs)
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.0
    }
}

/// What the customer's session says about itself, for the entries'
/// conditions.
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    /// Preferred languages, best first (`de_CH`, `de`, …).
    pub languages: Vec<String>,
    /// `XDG_CURRENT_DESKTOP`'s names.
    pub desktops: Vec<String>,
    /// Where programs are looked for (`TryExec`).
    pub path: Option<OsString>,
}

impl SessionFacts {
    pub fn from_env() -> SessionFacts {
        // gettext's order: LANGUAGE's list, then the first of LC_ALL,
        // LC_MESSAGES, LANG.
        let mut languages: Vec<String> = std::env::var("LANGUAGE")
            .map(|list| list.split(':').map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(locale) = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty())
        {
            languages.push(locale);
        }
        SessionFacts {
            languages: languages
                .iter()
                .map(|l| without_encoding(l))
                .filter(|l| !l.is_empty() && l != "C" && l != "POSIX")
                .collect(),
            desktops: std::env::var("XDG_CURRENT_DESKTOP")
                .map(|list| list.split(':').map(str::to_owned).collect())
                .unwrap_or_default(),
            path: std::env::var_os("PATH"),
        }
    }
}

/// `fr_FR.UTF-8@euro` → `fr_FR@euro`: entries name locales without the
/// encoding.
fn without_encoding(locale: &str) -> String {
    let (locale, modifier) = match locale.split_once('@') {
        Some((locale, modifier)) => (locale, Some(modifier)),
        None => (locale, None),
    };
    let locale = locale.split_once('.').map_or(locale, |(l, _)| l);
    match modifier {
        Some(modifier) => format!("{locale}@{modifier}"),
        None => locale.to_owned(),
    }
}

/// One installed application, as the customer would pick it.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledApp {
    /// The desktop file id (`org.example.Editor.desktop`): stable, and
    /// the only thing `app.launch` accepts.
    pub id: String,
    /// In the customer's language where the entry translates it.
    pub name: String,
    /// An icon name from the theme, or a file.
    pub icon: Option<String>,
    pub comment: Option<String>,
    /// What `app.launch` runs (kept here, never sent).
    #[serde(skip)]
    pub exec: Option<String>,
    /// Where it runs (`Path`), when the entry says.
    #[serde(skip)]
    pub working_dir: Option<PathBuf>,
}

/// Why an entry is not offered, in words for the CSR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotOffered {
    #[error("it is not an application (Type={0})")]
    NotAnApplication(String),
    #[error("it is hidden from menus (NoDisplay)")]
    NoDisplay,
    #[error("it is deleted (Hidden)")]
    Hidden,
    #[error("it runs in a terminal, with no window of its own")]
    Terminal,
    #[error("it is not shown on this desktop (OnlyShowIn/NotShowIn)")]
    NotForThisDesktop,
    #[error("its program `{0}` is not installed (TryExec)")]
    NotInstalled(String),
    #[error("it has no command to start (no Exec)")]
    NoExec,
}

/// An entry found on disk, offered or not.
pub struct Found {
    pub app: InstalledApp,
    pub offered: Result<(), NotOffered>,
}

/// Every entry, one per desktop file id, the most important directory's.
pub fn all(dirs: &ApplicationDirs, facts: &SessionFacts) -> Vec<Found> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for dir in dirs.dirs() {
        // The walker resolves the directory; ids are relative to it.
        let base = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        for path in Iter::new(std::iter::once(dir.clone())) {
            let Some(id) = desktop_file_id(&base, &path).or_else(|| desktop_file_id(dir, &path))
            else {
                continue;
            };
            if !seen.insert(id.clone()) {
                continue;
            }
            match DesktopEntry::from_path(path.clone(), Some(&facts.languages)) {
                Ok(entry) => found.push(describe(id, &entry, facts)),
                Err(error) => {
                    tracing::debug!(path = %path.display(), %error, "an unreadable desktop entry is skipped");
                }
            }
        }
    }
    found
}

/// The applications offered, by name.
pub fn offered(dirs: &ApplicationDirs, facts: &SessionFacts) -> Vec<InstalledApp> {
    let mut apps: Vec<InstalledApp> = all(dirs, facts)
        .into_iter()
        .filter(|found| found.offered.is_ok())
        .map(|found| found.app)
        .collect();
    apps.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });
    apps
}

/// The specification's desktop file id: the path below `applications/`
/// with `/` turned into `-` (`kde/konsole.desktop` → `kde-konsole.desktop`).
fn desktop_file_id(base: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(base).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|part| part.as_os_str().to_str())
        .collect::<Option<_>>()?;
    let id = parts.join("-");
    id.ends_with(".desktop").then_some(id)
}

fn describe(id: String, entry: &DesktopEntry, facts: &SessionFacts) -> Found {
    let name = entry
        .name(&facts.languages)
        .map(|name| name.into_owned())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| id.trim_end_matches(".desktop").to_owned());
    let app = InstalledApp {
        id,
        name,
        icon: entry.icon().map(str::to_owned),
        comment: entry.comment(&facts.languages).map(|c| c.into_owned()),
        exec: entry.exec().map(str::to_owned),
        working_dir: entry
            .path()
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from),
    };
    Found {
        offered: offered_here(entry, facts),
        app,
    }
}

/// Whether a menu on this desktop would show the entry.
fn offered_here(entry: &DesktopEntry, facts: &SessionFacts) -> Result<(), NotOffered> {
    match entry.type_() {
        Some("Application") => {}
        other => {
            return Err(NotOffered::NotAnApplication(
                other.unwrap_or("missing").to_owned(),
            ));
        }
    }
    if entry.hidden() {
        return Err(NotOffered::Hidden);
    }
    if entry.no_display() {
        return Err(NotOffered::NoDisplay);
    }
    let on_this_desktop = |list: Vec<&str>| {
        list.iter().any(|name| {
            !name.is_empty()
                && facts
                    .desktops
                    .iter()
                    .any(|desktop| desktop.eq_ignore_ascii_case(name))
        })
    };
    if entry
        .only_show_in()
        .is_some_and(|list| !on_this_desktop(list))
        || entry.not_show_in().is_some_and(on_this_desktop)
    {
        return Err(NotOffered::NotForThisDesktop);
    }
    if entry.terminal() {
        return Err(NotOffered::Terminal);
    }
    if let Some(program) = entry.try_exec().filter(|p| !p.is_empty())
        && find_program(program, facts.path.as_deref()).is_none()
    {
        return Err(NotOffered::NotInstalled(program.to_owned()));
    }
    if entry.exec().is_none_or(|exec| exec.trim().is_empty()) {
        return Err(NotOffered::NoExec);
    }
    Ok(())
}

/// `program` as an executable file: itself when it is a path, else the
/// first match on `path`.
pub fn find_program(program: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |candidate: &Path| {
        candidate
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let candidate = PathBuf::from(program);
        return executable(&candidate).then_some(candidate);
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("written");
    }

    fn entry(name: &str, extra: &str) -> String {
        format!("[Desktop Entry]\nType=Application\nName={name}\nExec=true %U\n{extra}")
    }

    fn facts() -> SessionFacts {
        SessionFacts {
            languages: vec!["fr_FR".into(), "fr".into()],
            desktops: vec!["XFCE".into()],
            path: std::env::var_os("PATH"),
        }
    }

    #[test]
    fn directories_follow_the_base_directory_rules() {
        let dirs = ApplicationDirs::from_vars(
            Some("/data/home".into()),
            Some("/home/carl".into()),
            Some("/a:relative:/b".into()),
        );
        assert_eq!(
            dirs.dirs(),
            [
                PathBuf::from("/data/home/applications"),
                "/a/applications".into(),
                "/b/applications".into()
            ]
        );
        let defaults = ApplicationDirs::from_vars(Some("".into()), Some("/home/carl".into()), None);
        assert_eq!(
            defaults.dirs(),
            [
                PathBuf::from("/home/carl/.local/share/applications"),
                "/usr/local/share/applications".into(),
                "/usr/share/applications".into()
            ]
        );
    }

    #[test]
    fn only_what_a_menu_here_shows_is_offered_with_its_id_and_localised_name() {
        let home = tempfile::tempdir().expect("temp dir");
        let system = tempfile::tempdir().expect("temp dir");
        let user_apps = home.path().join("applications");
        let system_apps = system.path().join("applications");
        write(
            &user_apps,
            "org.example.Editor.desktop",
            &entry(
                "Editor",
                "Name[fr]=Bloc-notes\nIcon=accessories-text-editor\nComment=Edit text\nComment[fr]=Modifier du texte\n",
            ),
        );
        write(&user_apps, "vendor/tool.desktop", &entry("Tool", ""));
        // The user's copy hides the system's entry of the same id.
        write(&user_apps, "gone.desktop", &entry("Gone", "Hidden=true\n"));
        write(&system_apps, "gone.desktop", &entry("Gone", ""));
        write(
            &system_apps,
            "org.example.Editor.desktop",
            &entry("System editor", ""),
        );
        write(
            &system_apps,
            "nodisplay.desktop",
            &entry("Helper", "NoDisplay=true\n"),
        );
        write(
            &system_apps,
            "console.desktop",
            &entry("Console", "Terminal=true\n"),
        );
        write(
            &system_apps,
            "gnome-only.desktop",
            &entry("Gnome", "OnlyShowIn=GNOME;\n"),
        );
        write(
            &system_apps,
            "not-xfce.desktop",
            &entry("NotXfce", "NotShowIn=xfce;\n"),
        );
        write(
            &system_apps,
            "xfce-only.desktop",
            &entry("Xfce", "OnlyShowIn=GNOME;XFCE;\n"),
        );
        write(
            &system_apps,
            "missing.desktop",
            &entry("Missing", "TryExec=tether-no-such-program\n"),
        );
        write(
            &system_apps,
            "link.desktop",
            "[Desktop Entry]\nType=Link\nName=Site\nURL=https://example.invalid\n",
        );
        write(
            &system_apps,
            "noexec.desktop",
            "[Desktop Entry]\nType=Application\nName=No command\n",
        );
        write(&system_apps, "broken.desktop", "this is not an entry\n");
        write(&system_apps, "readme.txt", "not an entry\n");

        let dirs = ApplicationDirs(vec![user_apps, system_apps]);
        let offered = offered(&dirs, &facts());
        let listed: Vec<(&str, &str)> = offered
            .iter()
            .map(|app| (app.id.as_str(), app.name.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("org.example.Editor.desktop", "Bloc-notes"),
                ("vendor-tool.desktop", "Tool"),
                ("xfce-only.desktop", "Xfce"),
            ]
        );
        let editor = &offered[0];
        assert_eq!(editor.icon.as_deref(), Some("accessories-text-editor"));
        assert_eq!(editor.comment.as_deref(), Some("Modifier du texte"));
        assert_eq!(editor.exec.as_deref(), Some("true %U"));

        let reasons: Vec<(String, Result<(), NotOffered>)> = all(&dirs, &facts())
            .into_iter()
            .map(|found| (found.app.id, found.offered))
            .filter(|(_, offered)| offered.is_err())
            .collect();
        let reason = |id: &str| {
            reasons
                .iter()
                .find(|(found, _)| found == id)
                .map(|(_, reason)| reason.clone())
                .unwrap_or_else(|| panic!("{id} not found"))
        };
        assert_eq!(reason("gone.desktop"), Err(NotOffered::Hidden));
        assert_eq!(reason("nodisplay.desktop"), Err(NotOffered::NoDisplay));
        assert_eq!(reason("console.desktop"), Err(NotOffered::Terminal));
        assert_eq!(
            reason("gnome-only.desktop"),
            Err(NotOffered::NotForThisDesktop)
        );
        assert_eq!(
            reason("not-xfce.desktop"),
            Err(NotOffered::NotForThisDesktop)
        );
        assert_eq!(
            reason("missing.desktop"),
            Err(NotOffered::NotInstalled("tether-no-such-program".into()))
        );
        assert_eq!(
            reason("link.desktop"),
            Err(NotOffered::NotAnApplication("Link".into()))
        );
        assert_eq!(reason("noexec.desktop"), Err(NotOffered::NoExec));
    }

    #[test]
    fn locales_lose_their_encoding() {
        assert_eq!(without_encoding("fr_FR.UTF-8"), "fr_FR");
        assert_eq!(without_encoding("sr_RS.UTF-8@latin"), "sr_RS@latin");
        assert_eq!(without_encoding("ja"), "ja");
    }
}
