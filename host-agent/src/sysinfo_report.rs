//! System information in categories, collected with the `sysinfo` crate
//! (plus the package list where `dpkg-query` is cheaply available).
//! Everything here is reported by the customer's computer: the CSR's UI
//! treats it as untrusted text.

use serde::Serialize;
use sysinfo::{Disks, Networks, System, Users};

use crate::backend::Backend;

/// One category: a table the CSR's panel shows as is, except for the
/// agent's own words (title, column headers, property names), which it
/// shows in the CSR's language by their ids.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: &'static str,
    /// English; panels that know `id` show their own words.
    pub title: &'static str,
    /// English column headers, for panels that do not know `column_ids`.
    pub columns: Vec<&'static str>,
    /// Each column's id (`property`, `pid`, …), in the order of `columns`.
    pub column_ids: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Per row, the id of its first cell where that cell is the agent's
    /// own word (`computer_name` for "Computer name"); `None` where the
    /// computer reported it (a process, an environment variable's name).
    pub row_labels: Vec<Option<&'static str>>,
    /// Per row, per cell, the number behind a cell the agent wrote from
    /// one ("2048 MiB", "3 h 12 min", "unknown"), for panels to write it in
    /// the CSR's language; `None` (and a row's trailing ones left out)
    /// where the cell is text as reported. Older panels show `rows`.
    pub quantities: Vec<Vec<Option<Quantity>>>,
}

/// A number the agent writes with a unit (or the word for one the computer
/// would not give): the panel formats it in the CSR's language from this,
/// while `rows` has the agent's English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum Quantity {
    /// Mebibytes (memory, disk space).
    Mib(u64),
    /// Megahertz (processor frequency).
    Mhz(u64),
    /// A duration (how long the computer has been up).
    Seconds(u64),
    /// The computer did not say.
    Unknown,
}

impl Quantity {
    /// The agent's English for it: what panels without `quantities` show.
    pub fn english(self) -> String {
        match self {
            Quantity::Mib(n) => format!("{n} MiB"),
            Quantity::Mhz(n) => format!("{n} MHz"),
            Quantity::Seconds(s) => format!("{} h {} min", s / 3600, s / 60 % 60),
            Quantity::Unknown => "unknown".to_owned(),
        }
    }
}

/// One cell as collected: its text, and the number behind it if the agent
/// wrote the text from one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    text: String,
    quantity: Option<Quantity>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            quantity: None,
        }
    }
}

impl From<Quantity> for Cell {
    fn from(quantity: Quantity) -> Cell {
        Cell {
            text: quantity.english(),
            quantity: Some(quantity),
        }
    }
}

/// A word the agent writes itself, with the stable id a panel translates
/// it by. Never used for anything the computer reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub id: &'static str,
    pub english: &'static str,
}

const fn label(id: &'static str, english: &'static str) -> Label {
    Label { id, english }
}

/// Column headers.
mod column {
    use super::{Label, label};
    pub const PROPERTY: Label = label("property", "Property");
    pub const VALUE: Label = label("value", "Value");
    pub const DEVICE: Label = label("device", "Device");
    pub const MOUNTED_ON: Label = label("mounted_on", "Mounted on");
    pub const FILE_SYSTEM: Label = label("file_system", "File system");
    pub const SIZE: Label = label("size", "Size");
    pub const FREE: Label = label("free", "Free");
    pub const INTERFACE: Label = label("interface", "Interface");
    pub const MAC_ADDRESS: Label = label("mac_address", "MAC address");
    pub const ADDRESSES: Label = label("addresses", "Addresses");
    pub const PID: Label = label("pid", "PID");
    pub const NAME: Label = label("name", "Name");
    pub const USER: Label = label("user", "User");
    pub const MEMORY: Label = label("memory", "Memory");
    pub const ID: Label = label("id", "ID");
    pub const GROUPS: Label = label("groups", "Groups");
    pub const VARIABLE: Label = label("variable", "Variable");
    pub const PACKAGE: Label = label("package", "Package");
    pub const VERSION: Label = label("version", "Version");

    /// Every column header, for the test that the panel translates each.
    #[cfg(test)]
    pub const ALL: &[Label] = &[
        PROPERTY,
        VALUE,
        DEVICE,
        MOUNTED_ON,
        FILE_SYSTEM,
        SIZE,
        FREE,
        INTERFACE,
        MAC_ADDRESS,
        ADDRESSES,
        PID,
        NAME,
        USER,
        MEMORY,
        ID,
        GROUPS,
        VARIABLE,
        PACKAGE,
        VERSION,
    ];
}

/// Names of properties (the first cell of a row).
mod row {
    use super::{Label, label};
    pub const COMPUTER_NAME: Label = label("computer_name", "Computer name");
    pub const OPERATING_SYSTEM: Label = label("operating_system", "Operating system");
    pub const KERNEL: Label = label("kernel", "Kernel");
    pub const ARCHITECTURE: Label = label("architecture", "Architecture");
    pub const ACCOUNT_IN_USE: Label = label("account_in_use", "Account in use");
    pub const UP_FOR: Label = label("up_for", "Up for");
    pub const LOGICAL_PROCESSORS: Label = label("logical_processors", "Logical processors");
    pub const PHYSICAL_CORES: Label = label("physical_cores", "Physical cores");
    pub const MODEL: Label = label("model", "Model");
    pub const FREQUENCY: Label = label("frequency", "Frequency");
    pub const TOTAL: Label = label("total", "Total");
    pub const USED: Label = label("used", "Used");
    pub const SWAP_TOTAL: Label = label("swap_total", "Swap total");
    pub const SWAP_USED: Label = label("swap_used", "Swap used");
    pub const VARIABLES_IN_TOTAL: Label = label("variables_in_total", "Variables in total");
    pub const NO_PACKAGE_LIST: Label = label(
        "no_package_list",
        "(no package list available on this computer)",
    );

    /// Every property name, for the test that the panel translates each.
    #[cfg(test)]
    pub const ALL: &[Label] = &[
        COMPUTER_NAME,
        OPERATING_SYSTEM,
        KERNEL,
        ARCHITECTURE,
        ACCOUNT_IN_USE,
        UP_FOR,
        LOGICAL_PROCESSORS,
        PHYSICAL_CORES,
        MODEL,
        FREQUENCY,
        TOTAL,
        USED,
        SWAP_TOTAL,
        SWAP_USED,
        VARIABLES_IN_TOTAL,
        NO_PACKAGE_LIST,
    ];
}

impl Category {
    fn new(id: &'static str, title: &'static str, columns: &[Label]) -> Category {
        Category {
            id,
            title,
            columns: columns.iter().map(|c| c.english).collect(),
            column_ids: columns.iter().map(|c| c.id).collect(),
            rows: Vec::new(),
            row_labels: Vec::new(),
            quantities: Vec::new(),
        }
    }

    fn push(&mut self, cells: Vec<Cell>, label: Option<&'static str>) {
        let mut quantities: Vec<Option<Quantity>> = cells.iter().map(|c| c.quantity).collect();
        while quantities.last() == Some(&None) {
            quantities.pop();
        }
        self.rows.push(cells.into_iter().map(|c| c.text).collect());
        self.row_labels.push(label);
        self.quantities.push(quantities);
    }

    /// Rows of what the computer reported.
    fn reported<C: Into<Cell>>(mut self, rows: Vec<Vec<C>>) -> Category {
        for row in rows {
            self.push(row.into_iter().map(Into::into).collect(), None);
        }
        self
    }

    /// Rows whose first cell is the agent's own word.
    fn properties(mut self, rows: Vec<(Label, Cell)>) -> Category {
        for (name, value) in rows {
            self.push(vec![name.english.to_owned().into(), value], Some(name.id));
        }
        self
    }
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

fn property(name: Label, value: impl Into<Cell>) -> (Label, Cell) {
    (name, value.into())
}

fn mib(bytes: u64) -> Cell {
    Quantity::Mib(bytes / (1024 * 1024)).into()
}

fn or_unknown<T: ToString, E>(value: Result<T, E>) -> Cell {
    value.map_or(Quantity::Unknown.into(), |v| v.to_string().into())
}

/// `account` is the account capability calls run as (the customer's, or
/// the one a CSR logged on as).
pub fn collect(backend: &dyn Backend) -> Vec<Category> {
    let account = backend.account_in_use();
    let system = System::new_all().ok();
    let mut categories = vec![
        Category::new("system", "System", &[column::PROPERTY, column::VALUE]).properties(vec![
            property(row::COMPUTER_NAME, or_unknown(System::host_name())),
            property(row::OPERATING_SYSTEM, or_unknown(System::long_os_version())),
            property(row::KERNEL, or_unknown(System::kernel_version())),
            property(row::ARCHITECTURE, System::cpu_arch()),
            property(row::ACCOUNT_IN_USE, account),
            property(
                row::UP_FOR,
                System::uptime().map_or(Quantity::Unknown, Quantity::Seconds),
            ),
        ]),
    ];
    let cpu_rows = system.as_ref().map(|s| {
        let mut rows = vec![
            property(row::LOGICAL_PROCESSORS, s.cpus().len().to_string()),
            property(
                row::PHYSICAL_CORES,
                or_unknown(System::physical_core_count()),
            ),
        ];
        if let Some(cpu) = s.cpus().first() {
            rows.push(property(row::MODEL, cpu.brand().to_owned()));
            rows.push(property(row::FREQUENCY, Quantity::Mhz(cpu.frequency())));
        }
        rows
    });
    categories.push(
        Category::new("cpu", "Processor", &[column::PROPERTY, column::VALUE])
            .properties(cpu_rows.unwrap_or_default()),
    );
    let memory_rows = system.as_ref().map(|s| {
        vec![
            property(row::TOTAL, mib(s.total_memory())),
            property(row::USED, mib(s.used_memory())),
            property(row::SWAP_TOTAL, mib(s.total_swap())),
            property(row::SWAP_USED, mib(s.used_swap())),
        ]
    });
    categories.push(
        Category::new("memory", "Memory", &[column::PROPERTY, column::VALUE])
            .properties(memory_rows.unwrap_or_default()),
    );
    let disks = Disks::new_with_refreshed_list().map(|disks| {
        disks
            .iter()
            .map(|d| {
                vec![
                    d.name().to_string_lossy().into_owned().into(),
                    d.mount_point().display().to_string().into(),
                    d.file_system().to_string_lossy().into_owned().into(),
                    mib(d.total_space()),
                    mib(d.available_space()),
                ]
            })
            .collect()
    });
    categories.push(
        Category::new(
            "disks",
            "Disks",
            &[
                column::DEVICE,
                column::MOUNTED_ON,
                column::FILE_SYSTEM,
                column::SIZE,
                column::FREE,
            ],
        )
        .reported(disks.unwrap_or_default()),
    );
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
    categories.push(
        Category::new(
            "network",
            "Network interfaces",
            &[column::INTERFACE, column::MAC_ADDRESS, column::ADDRESSES],
        )
        .reported(networks.unwrap_or_default()),
    );
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
                    p.pid().to_string().into(),
                    p.name().to_string_lossy().into_owned().into(),
                    user_name(p.user_id()).into(),
                    mib(p.memory()),
                ]
            })
            .collect()
    });
    categories.push(
        Category::new(
            "processes",
            "Running processes",
            &[column::PID, column::NAME, column::USER, column::MEMORY],
        )
        .reported(processes.unwrap_or_default()),
    );
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
    categories.push(
        Category::new(
            "users",
            "Users",
            &[column::NAME, column::ID, column::GROUPS],
        )
        .reported(user_rows.unwrap_or_default()),
    );
    categories.push(environment());
    categories.push(software(backend));
    categories
}

fn environment() -> Category {
    // Variables by their names as the computer has them; only the count is
    // the agent's own line.
    let rows: Vec<Vec<String>> = SAFE_ENVIRONMENT
        .iter()
        .filter_map(|name| {
            std::env::var(name)
                .ok()
                .map(|value| vec![(*name).to_owned(), value])
        })
        .collect();
    Category::new(
        "environment",
        "Environment",
        &[column::VARIABLE, column::VALUE],
    )
    .reported(rows)
    .properties(vec![property(
        row::VARIABLES_IN_TOTAL,
        std::env::vars_os().count().to_string(),
    )])
}

fn software(backend: &dyn Backend) -> Category {
    let listed = backend
        .command("dpkg-query")
        .args(["-W", "-f", "${Package}\t${Version}\n"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let software = Category::new(
        "software",
        "Installed software",
        &[column::PACKAGE, column::VERSION],
    );
    match listed {
        Some(output) => software.reported(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .take(MAX_ROWS)
                .filter_map(|line| {
                    line.split_once('\t')
                        .map(|(name, version)| vec![name.to_owned(), version.to_owned()])
                })
                .collect(),
        ),
        None => software.properties(vec![property(row::NO_PACKAGE_LIST, String::new())]),
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

    /// The panel's dictionaries (`plugins/sysinfo/ui/panel.js`): the other
    /// end of this category format.
    const PANEL: &str = include_str!("../../plugins/sysinfo/ui/panel.js");

    /// How many of the panel's four languages have `key`.
    fn languages_with(key: &str) -> usize {
        PANEL.matches(&format!("\"{key}\":")).count()
    }

    #[test]
    fn every_word_of_the_agents_own_has_an_id_the_panel_says_in_four_languages() {
        for id in CATEGORIES {
            assert_eq!(
                languages_with(&format!("category.{id}")),
                4,
                "category {id}"
            );
        }
        for name in column::ALL {
            assert_eq!(
                languages_with(&format!("column.{}", name.id)),
                4,
                "column {name:?}"
            );
        }
        for name in row::ALL {
            assert_eq!(
                languages_with(&format!("label.{}", name.id)),
                4,
                "row {name:?}"
            );
        }
        // And everything collected here uses only those.
        let categories = collect(&crate::backend::SimulatedBackend::default());
        for category in &categories {
            assert_eq!(category.columns.len(), category.column_ids.len());
            assert_eq!(category.rows.len(), category.row_labels.len());
            for (english, id) in category.columns.iter().zip(&category.column_ids) {
                assert!(
                    column::ALL.contains(&Label { id, english }),
                    "{id} / {english}"
                );
            }
            for (cells, id) in category.rows.iter().zip(&category.row_labels) {
                if let Some(id) = id {
                    let english = cells[0].as_str();
                    assert!(
                        row::ALL.iter().any(|l| l.id == *id && l.english == english),
                        "{id} / {english}"
                    );
                }
            }
        }
        // Values the computer reports are never labelled.
        let processes = categories
            .iter()
            .find(|c| c.id == "processes")
            .expect("processes");
        assert!(processes.row_labels.iter().all(Option::is_none));
        let environment = environment();
        let labelled: Vec<_> = environment.row_labels.iter().flatten().collect();
        assert_eq!(labelled, [&"variables_in_total"]);
    }

    #[test]
    fn numbers_the_agent_writes_go_beside_its_english_for_the_panel_to_say() {
        // Every unit has its words in all four of the panel's languages.
        for quantity in [
            Quantity::Mib(1),
            Quantity::Mhz(1),
            Quantity::Seconds(1),
            Quantity::Unknown,
        ] {
            let unit = serde_json::json!(quantity)["unit"]
                .as_str()
                .expect("a unit")
                .to_owned();
            assert_eq!(languages_with(&format!("quantity.{unit}")), 4, "{unit}");
        }
        assert_eq!(
            serde_json::json!(Quantity::Seconds(3 * 3600 + 12 * 60 + 5)),
            serde_json::json!({ "unit": "seconds", "amount": 11525 })
        );
        assert_eq!(Quantity::Seconds(11525).english(), "3 h 12 min");
        assert_eq!(
            serde_json::json!(Quantity::Unknown),
            serde_json::json!({ "unit": "unknown" })
        );
        // Each quantity sits beside the English text it was written as,
        // in the cell it belongs to; text as reported has none.
        let categories = collect(&crate::backend::SimulatedBackend::default());
        let mut units = std::collections::BTreeSet::new();
        for category in &categories {
            assert_eq!(
                category.quantities.len(),
                category.rows.len(),
                "{}",
                category.id
            );
            for (row, quantities) in category.rows.iter().zip(&category.quantities) {
                assert!(quantities.len() <= row.len());
                assert_ne!(
                    quantities.last(),
                    Some(&None),
                    "trailing nones are left out"
                );
                for (cell, quantity) in row.iter().zip(quantities) {
                    if let Some(quantity) = quantity {
                        assert_eq!(*cell, quantity.english());
                        units.insert(serde_json::json!(quantity)["unit"].to_string());
                    }
                }
            }
        }
        assert!(units.contains("\"mib\""), "{units:?}");
        let system = &categories[0];
        let up = system
            .row_labels
            .iter()
            .position(|l| *l == Some("up_for"))
            .expect("up for");
        assert!(matches!(
            system.quantities[up][..],
            [None, Some(Quantity::Seconds(_) | Quantity::Unknown)]
        ));
        let names = categories
            .iter()
            .find(|c| c.id == "processes")
            .expect("processes");
        assert!(
            names
                .quantities
                .iter()
                .all(|q| matches!(q[..], [None, None, None, Some(Quantity::Mib(_))]))
        );
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
