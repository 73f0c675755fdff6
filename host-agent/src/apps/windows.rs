//! Running applications as the customer sees them: top-level windows,
//! grouped by the X client (the connection) that owns them — one
//! application per client, as x11vnc's application sharing groups them.
//! Pure: what the display reported goes in, the listing comes out.

use serde::Serialize;

/// One top-level window a person can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowInfo {
    /// The X window id (of the application's own window, not a window
    /// manager's frame around it).
    pub id: u32,
    /// The owning client: the window id without the server's per-client
    /// bits (the client's resource base).
    #[serde(skip)]
    pub client: u32,
    pub title: String,
    pub class: Option<String>,
    #[serde(skip)]
    pub instance: Option<String>,
    pub pid: Option<u32>,
    /// On the screen, top-left corner of the window's contents.
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// One running application: an X client with at least one visible window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// Stable while the application runs (`x11-client:0x…`).
    pub id: String,
    pub pid: Option<u32>,
    pub class: Option<String>,
    pub instance: Option<String>,
    /// Its top-most window's title, or its class when that has none.
    pub name: String,
    /// Top-most first.
    pub windows: Vec<WindowInfo>,
}

/// What to leave out: the agent's own windows (its sharing indicator, for
/// one), by process and by X client.
#[derive(Debug, Clone, Copy)]
pub struct Own {
    pub pid: u32,
    pub client: Option<u32>,
}

impl Own {
    fn owns(&self, window: &WindowInfo) -> bool {
        window.pid == Some(self.pid) || self.client == Some(window.client)
    }
}

/// Groups `windows` (top-most first) into applications, in the order of
/// their top-most window, leaving out the agent's own.
pub fn group(windows: Vec<WindowInfo>, own: Own) -> Vec<Application> {
    let mut applications: Vec<Application> = Vec::new();
    for window in windows.into_iter().filter(|w| !own.owns(w)) {
        match applications
            .iter_mut()
            .find(|app| app.id == client_id(window.client))
        {
            Some(app) => {
                app.pid = app.pid.or(window.pid);
                app.class = app.class.take().or_else(|| window.class.clone());
                app.instance = app.instance.take().or_else(|| window.instance.clone());
                app.windows.push(window);
            }
            None => applications.push(Application {
                id: client_id(window.client),
                pid: window.pid,
                class: window.class.clone(),
                instance: window.instance.clone(),
                name: if window.title.is_empty() {
                    window.class.clone().unwrap_or_default()
                } else {
                    window.title.clone()
                },
                windows: vec![window],
            }),
        }
    }
    applications
}

pub fn client_id(client: u32) -> String {
    format!("x11-client:{client:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(id: u32, client: u32, title: &str, pid: Option<u32>) -> WindowInfo {
        WindowInfo {
            id,
            client,
            title: title.into(),
            class: Some("Fixture".into()),
            instance: Some("fixture".into()),
            pid,
            x: 0,
            y: 0,
            width: 10,
            height: 10,
        }
    }

    #[test]
    fn windows_group_by_client_in_stacking_order_without_the_agents_own() {
        let windows = vec![
            window(0x0040_0001, 0x0040_0000, "Editor — notes", Some(10)),
            window(0x0060_0001, 0x0060_0000, "", Some(20)),
            window(0x0040_0007, 0x0040_0000, "Find", None),
            window(0x0080_0001, 0x0080_0000, "Sharing", Some(99)),
            window(0x00a0_0001, 0x00a0_0000, "Agent's other", None),
        ];
        let own = Own {
            pid: 99,
            client: Some(0x00a0_0000),
        };
        let apps = group(windows, own);
        assert_eq!(apps.len(), 2);
        assert_eq!(apps[0].id, "x11-client:0x400000");
        assert_eq!(apps[0].name, "Editor — notes");
        assert_eq!(apps[0].pid, Some(10));
        let ids: Vec<u32> = apps[0].windows.iter().map(|w| w.id).collect();
        assert_eq!(ids, [0x0040_0001, 0x0040_0007]);
        // No title: named by its class.
        assert_eq!(apps[1].name, "Fixture");
        assert_eq!(apps[1].pid, Some(20));
    }
}
