//! Which idle steps a run can measure here. Every agent is one socket in
//! the kernel's process and one in the generator's, and a process may hold
//! no more files than its hard open-files limit (which a container may not
//! let even root raise): a step that does not fit is not run, and its
//! figure can only be extrapolated from the steps that were — and is
//! labelled so.

/// A step as asked for: a number of agents, or the largest that fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Agents(usize),
    Largest,
}

/// A step as it will be: run, or not, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    Run { agents: usize },
    NotRun { agents: usize, needed: u64 },
}

/// Files a process needs besides the connections: its own (database,
/// plugins, standard streams) and the joins under way.
pub const RESERVED_FILES: u64 = 256;

/// Steps from text such as `10000,max,25000,50000`.
pub fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .map(|word| match word {
            "max" => Ok(Step::Largest),
            number => match number.replace('_', "").parse::<usize>() {
                Ok(agents) if agents > 0 => Ok(Step::Agents(agents)),
                _ => Err(format!(
                    "`{word}` is not a step: give numbers of agents or `max`, separated by commas"
                )),
            },
        })
        .collect()
}

/// Sessions of `per_session` agents for `agents`.
pub fn sessions_for(agents: usize, per_session: usize) -> usize {
    agents.div_ceil(per_session.max(1))
}

/// Files each process (kernel and generator) needs for `agents`: the
/// agents, one console per session, and the reserve.
pub fn files_needed(agents: usize, per_session: usize) -> u64 {
    (agents + sessions_for(agents, per_session)) as u64 + RESERVED_FILES
}

/// The most agents that fit under `hard` open files, in hundreds.
pub fn largest_fitting(hard: u64, per_session: usize) -> usize {
    let per_session = per_session.max(1) as u64;
    let room = hard.saturating_sub(RESERVED_FILES + 1);
    // agents + ceil(agents / per_session) ≤ room
    let agents = room * per_session / (per_session + 1);
    (agents / 100 * 100) as usize
}

/// The steps in the order asked, each once; `max` resolves to the largest
/// that fits (and is left out when it is no more than a step already run).
pub fn plan(steps: &[Step], hard: u64, per_session: usize) -> Vec<Planned> {
    let largest = largest_fitting(hard, per_session);
    let mut planned: Vec<Planned> = Vec::new();
    for step in steps {
        let agents = match step {
            Step::Agents(agents) => *agents,
            Step::Largest if largest == 0 => continue,
            Step::Largest => largest,
        };
        let already = planned.iter().any(|p| {
            matches!(*p, Planned::Run { agents: a } | Planned::NotRun { agents: a, .. } if a == agents)
        });
        if already {
            continue;
        }
        let needed = files_needed(agents, per_session);
        planned.push(if needed <= hard {
            Planned::Run { agents }
        } else {
            Planned::NotRun { agents, needed }
        });
    }
    planned
}

/// A measured step: agents and the kernel's resident memory (KiB) with
/// them connected, and at rest before they came.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredStep {
    pub agents: usize,
    pub rest_kib: u64,
    pub connected_kib: u64,
}

/// An estimate for a step that was not run: the largest measured step's
/// memory, plus its own growth per agent above its rest for each further
/// agent. (Each step runs on a kernel of its own, whose rest differs a
/// little — more sessions, a fuller database — so a line through two
/// steps' totals would mix that into the slope.) `None` without a
/// measured step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extrapolation {
    pub kib: f64,
    /// KiB per agent, the slope used.
    pub slope_kib: f64,
    /// The measured step it starts from.
    pub from_agents: usize,
}

pub fn extrapolate(measured: &[MeasuredStep], agents: usize) -> Option<Extrapolation> {
    let largest = *measured.iter().max_by_key(|step| step.agents)?;
    let growth = largest.connected_kib as f64 - largest.rest_kib as f64;
    let slope_kib = growth / largest.agents.max(1) as f64;
    Some(Extrapolation {
        kib: largest.connected_kib as f64 + slope_kib * (agents as f64 - largest.agents as f64),
        slope_kib,
        from_agents: largest.agents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_written_and_bad_ones_are_refused() {
        assert_eq!(
            parse_steps("10000, max,25_000,50000"),
            Ok(vec![
                Step::Agents(10_000),
                Step::Largest,
                Step::Agents(25_000),
                Step::Agents(50_000)
            ])
        );
        assert_eq!(parse_steps("500"), Ok(vec![Step::Agents(500)]));
        assert_eq!(parse_steps(""), Ok(vec![]));
        for bad in ["ten", "0", "10000,-5", "1e4"] {
            let error = parse_steps(bad).expect_err(bad);
            assert!(error.contains("is not a step"), "{bad}: {error}");
        }
    }

    #[test]
    fn this_machines_limit_runs_ten_thousand_and_the_largest_but_not_more() {
        // 20,000 open files, sessions of 50: 19,300 agents and 386 consoles
        // leave the reserve.
        assert_eq!(largest_fitting(20_000, 50), 19_300);
        assert!(files_needed(19_300, 50) <= 20_000);
        assert!(files_needed(19_400, 50) > 20_000);
        let steps = parse_steps("10000,max,25000,50000").expect("steps");
        assert_eq!(
            plan(&steps, 20_000, 50),
            vec![
                Planned::Run { agents: 10_000 },
                Planned::Run { agents: 19_300 },
                Planned::NotRun {
                    agents: 25_000,
                    needed: 25_756
                },
                Planned::NotRun {
                    agents: 50_000,
                    needed: 51_256
                },
            ]
        );
    }

    #[test]
    fn a_small_limit_runs_only_what_fits_and_steps_come_once() {
        let steps = parse_steps("10000,max,500,500").expect("steps");
        let planned = plan(&steps, 1024, 50);
        assert_eq!(
            planned,
            vec![
                Planned::NotRun {
                    agents: 10_000,
                    needed: 10_456
                },
                Planned::Run { agents: 700 },
                Planned::Run { agents: 500 },
            ]
        );
        assert_eq!(plan(&[Step::Largest], 200, 50), vec![], "nothing fits");
    }

    #[test]
    fn extrapolation_follows_the_largest_steps_growth_per_agent() {
        assert_eq!(extrapolate(&[], 25_000), None);
        let ten = MeasuredStep {
            agents: 10_000,
            rest_kib: 100_000,
            connected_kib: 1_100_000,
        };
        let from_one = extrapolate(&[ten], 20_000).expect("estimate");
        assert_eq!(from_one.slope_kib, 100.0);
        assert_eq!(from_one.kib, 2_100_000.0);
        assert_eq!(from_one.from_agents, 10_000);
        // The larger step's kernel rested higher: its own growth counts.
        let twenty = MeasuredStep {
            agents: 20_000,
            rest_kib: 200_000,
            connected_kib: 1_800_000,
        };
        let from_two = extrapolate(&[twenty, ten], 50_000).expect("estimate");
        assert_eq!(from_two.slope_kib, 80.0);
        assert_eq!(from_two.kib, 1_800_000.0 + 80.0 * 30_000.0);
        assert_eq!(from_two.from_agents, 20_000);
    }
}
