//! System information in categories, collected with the `sysinfo` crate
//! (plus the package list where `dpkg-query` is cheaply available).
//! Everything here is reported by the customer's computer: the CSR's UI
//! treats it as untrusted text.

use serde::Serialize;
use sysinfo::{Disks, Networks, System, Users};

use crate::backend::Backend;

/// One category: a table the CSR's panel shows as is.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: &'static str,
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// Every category, in display order.
#[cfg(test)]
pub const CATEGORIES: &[&str] = &[
    "system",
    "cpu",
    "memory",
    "disks",
    "network",
    "processes",
    "users",
    "environment",
    "software",
];

/// At most this many processes and packages are listed.
const MAX_ROWS: usize = 2000;
/// Environment variables shown by name and value; others are only counted,
/// since they may hold secrets.
const SAFE_ENVIRONMENT: &[&str] = &[
    "LANG",
    "LC_ALL",
    "TZ",
    "SHELL",
    "PATH",
    "HOME",
    "XDG_SESSION_TYPE",
    "DESKTOP_SESSION",
];

fn property(name: &str, value: impl ToString) -> Vec<String> {
    vec![name.to_owned(), value.to_string()]
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

fn or_unknown<E>(value: Result<String, E>) -> String {
    value.unwrap_or_else(|_| "unknown".into())
}

/// `account` is the account capability calls run as (the customer's, or
/// the one a CSR logged on as).
pub fn collect(backend: &dyn Backend) -> Vec<Category> {
    let account = backend.account_in_use();
    let system = System::new_all().ok();
    let mut categories = vec![Category {
        id: "system",
        title: "System",
        columns: vec!["Property", "Value"],
        rows: vec![
            property("Computer name", or_unknown(System::host_name())),
            property("Operating system", or_unknown(System::long_os_version())),
            property("Kernel", or_unknown(System::kernel_version())),
            property("Architecture", System::cpu_arch()),
            property("Account in use", &account),
            property(
                "Up for",
                System::uptime()
                    .map(|s| format!("{} h {} min", s / 3600, s / 60 % 60))
                    .unwrap_or_default(),
            ),
        ],
    }];
    let cpu_rows = system.as_ref().map(|s| {
        let mut rows = vec![
            property("Logical processors", s.cpus().len()),
            property(
                "Physical cores",
                System::physical_core_count()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "unknown".into()),
            ),
        ];
        if let Some(cpu) = s.cpus().first() {
            rows.push(property("Model", cpu.brand()));
            rows.push(property("Frequency", format!("{} MHz", cpu.frequency())));
        }
        rows
    });
    categories.push(Category {
        id: "cpu",
        title: "Processor",
        columns: vec!["Property", "Value"],
        rows: cpu_rows.unwrap_or_default(),
    });
    let memory_rows = system.as_ref().map(|s| {
        vec![
            property("Total", mib(s.total_memory())),
            property("Used", mib(s.used_memory())),
            property("Swap total", mib(s.total_swap())),
            property("Swap used", mib(s.used_swap())),
        ]
    });
    categories.push(Category {
        id: "memory",
        title: "Memory",
        columns: vec!["Property", "Value"],
        rows: memory_rows.unwrap_or_default(),
    });
    let disks = Disks::new_with_refreshed_list().map(|disks| {
        disks
            .iter()
            .map(|d| {
                vec![
                    d.name().to_string_lossy().into_owned(),
                    d.mount_point().display().to_string(),
                    d.file_system().to_string_lossy().into_owned(),
                    mib(d.total_space()),
                    mib(d.available_space()),
                ]
            })
            .collect()
    });
    categories.push(Category {
        id: "disks",
        title: "Disks",
        columns: vec!["Device", "Mounted on", "File system", "Size", "Free"],
        rows: disks.unwrap_or_default(),
    });
    let networks = Networks::new_with_refreshed_list().map(|networks| {
        let mut rows: Vec<Vec<String>> = networks
            .iter()
            .map(|(name, data)| {
                let addresses: Vec<String> = data
                    .ip_networks()
                    .iter()
                    .map(|n| format!("{}/{}", n.addr, n.prefix))
                    .collect();
                vec![
                    name.to_string_lossy().into_owned(),
                    data.mac_address().to_string(),
                    addresses.join(", "),
                ]
            })
            .collect();
        rows.sort();
        rows
    });
    categories.push(Category {
        id: "network",
        title: "Network interfaces",
        columns: vec!["Interface", "MAC address", "Addresses"],
        rows: networks.unwrap_or_default(),
    });
    let users = Users::new_with_refreshed_list().ok();
    let user_name = |uid: Option<&sysinfo::Uid>| {
        uid.and_then(|uid| {
            users
                .as_ref()
                .and_then(|u| u.get_user_by_id(uid))
                .map(|u| u.name().to_owned())
        })
        .unwrap_or_default()
    };
    let processes = system.as_ref().map(|s| {
        let mut list: Vec<_> = s.processes().values().collect();
        list.sort_by_key(|p| std::cmp::Reverse(p.memory()));
        list.into_iter()
            .take(MAX_ROWS)
            .map(|p| {
                vec![
                    p.pid().to_string(),
                    p.name().to_string_lossy().into_owned(),
                    user_name(p.user_id()),
                    mib(p.memory()),
                ]
            })
            .collect()
    });
    categories.push(Category {
        id: "processes",
        title: "Running processes",
        columns: vec!["PID", "Name", "User", "Memory"],
        rows: processes.unwrap_or_default(),
    });
    let user_rows = users.as_ref().map(|users| {
        let mut rows: Vec<Vec<String>> = users
            .iter()
            .map(|u| {
                let groups: Vec<String> = u.groups().iter().map(|g| g.name().to_owned()).collect();
                vec![u.name().to_owned(), u.id().to_string(), groups.join(", ")]
            })
            .collect();
        rows.sort();
        rows
    });
    categories.push(Category {
        id: "users",
        title: "Users",
        columns: vec!["Name", "ID", "Groups"],
        rows: user_rows.unwrap_or_default(),
    });
    categories.push(environment());
    categories.push(software(backend));
    categories
}

fn environment() -> Category {
    let mut rows: Vec<Vec<String>> = SAFE_ENVIRONMENT
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|value| property(name, value)))
        .collect();
    rows.push(property("Variables in total", std::env::vars_os().count()));
    Category {
        id: "environment",
        title: "Environment",
        columns: vec!["Variable", "Value"],
        rows,
    }
}

fn software(backend: &dyn Backend) -> Category {
    let listed = backend
        .command("dpkg-query")
        .args(["-W", "-f", "${Package}\t${Version}\n"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let rows = match listed {
        Some(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .take(MAX_ROWS)
            .filter_map(|line| {
                line.split_once('\t')
                    .map(|(name, version)| vec![name.to_owned(), version.to_owned()])
            })
            .collect(),
        None => vec![vec![
            "(no package list available on this computer)".to_owned(),
            String::new(),
        ]],
    };
    Category {
        id: "software",
        title: "Installed software",
        columns: vec!["Package", "Version"],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_collected_on_this_machine() {
        let categories = collect(&crate::backend::SimulatedBackend::default());
        let ids: Vec<&str> = categories.iter().map(|c| c.id).collect();
        assert_eq!(ids, CATEGORIES);
        let system = &categories[0];
        assert!(
            system
                .rows
                .iter()
                .any(|r| r[0] == "Operating system" && !r[1].is_empty())
        );
        let processes = categories
            .iter()
            .find(|c| c.id == "processes")
            .expect("processes");
        let me = std::process::id().to_string();
        assert!(
            processes.rows.iter().any(|r| r[0] == me),
            "this test's own process is listed"
        );
        let memory = categories
            .iter()
            .find(|c| c.id == "memory")
            .expect("memory");
        assert!(!memory.rows.is_empty());
    }

    #[test]
    fn secrets_in_the_environment_are_not_listed() {
        let environment = environment();
        assert!(
            environment
                .rows
                .iter()
                .all(|r| SAFE_ENVIRONMENT.contains(&r[0].as_str()) || r[0] == "Variables in total")
        );
    }
}
