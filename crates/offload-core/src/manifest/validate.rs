//! Checks that relate values to each other: task order, parameter references, concurrency
//! classes and the dependency graph.
//!
//! They run after every field has been converted, so each check can rely on well-formed
//! values and only has to look at relations.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{ErrorKind, Locator, ManifestError};
use super::raw::{RawManifest, RawTask};
use super::template::ArgTemplate;
use super::types::{ConcurrencyClass, Task};

type Result<T> = std::result::Result<T, ManifestError>;

/// Runs every cross-check; `raw` and `tasks` list the same tasks in the same order.
pub(super) fn check(
    at: Locator<'_>,
    raw: &RawManifest,
    classes: &BTreeMap<String, ConcurrencyClass>,
    tasks: &[Task],
) -> Result<()> {
    check_order(at, raw)?;
    for (raw_task, task) in raw.task.iter().map(|t| t.get_ref()).zip(tasks) {
        check_params(at, raw_task, task)?;
        check_class(at, raw_task, classes)?;
        check_dependencies_exist(at, raw_task, tasks)?;
    }
    check_cycles(at, raw, tasks)
}

fn check_order(at: Locator<'_>, raw: &RawManifest) -> Result<()> {
    for pair in raw.task.windows(2) {
        let (before, after) = (&pair[0].get_ref().id, &pair[1].get_ref().id);
        match before.get_ref().cmp(after.get_ref()) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                return Err(at.error(
                    &after.span(),
                    ErrorKind::Duplicate,
                    format!("task id {:?} is declared twice", after.get_ref()),
                    "rename or remove one of the two tasks",
                ));
            }
            std::cmp::Ordering::Greater => {
                let message = format!(
                    "task {:?} comes after {:?}; tasks must be sorted by id",
                    after.get_ref(),
                    before.get_ref()
                );
                return Err(at.error(
                    &after.span(),
                    ErrorKind::Unsorted,
                    message,
                    format!(
                        "move task {:?} before task {:?}",
                        after.get_ref(),
                        before.get_ref()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_params(at: Locator<'_>, raw: &RawTask, task: &Task) -> Result<()> {
    let mut declared = BTreeSet::new();
    for (raw_param, param) in raw.params.iter().zip(&task.params) {
        if !declared.insert(param.name.as_str()) {
            let span = raw_param.get_ref().name.span();
            return Err(at.error(
                &span,
                ErrorKind::Duplicate,
                format!("parameter {:?} is declared twice", param.name),
                "remove one of the two declarations",
            ));
        }
    }
    let in_command = task.command.iter().filter_map(|arg| match arg {
        ArgTemplate::Param(name) => Some(name.as_str()),
        ArgTemplate::Literal(_) => None,
    });
    let in_key = task.cache_key.iter().flat_map(|key| key.params());
    let used: BTreeSet<&str> = in_command.chain(in_key).collect();
    if let Some(name) = used.difference(&declared).next() {
        let message = format!(
            "task {:?} uses parameter {{{name}}} but does not declare it",
            task.id
        );
        return Err(at.error(
            &raw.command.span(),
            ErrorKind::UndeclaredParam,
            message,
            format!("add {{ name = \"{name}\", type = \"string\", required = true }} to params"),
        ));
    }
    if let Some(name) = declared.difference(&used).next() {
        let span = raw
            .params
            .iter()
            .find(|p| p.get_ref().name.get_ref() == name)
            .map_or(0..0, |p| p.span());
        let message = format!(
            "parameter {name:?} of task {:?} is declared but never used",
            task.id
        );
        return Err(at.error(
            &span,
            ErrorKind::UndeclaredParam,
            message,
            format!("use {{{name}}} in command or cache_key, or remove it"),
        ));
    }
    Ok(())
}

fn check_class(
    at: Locator<'_>,
    raw: &RawTask,
    classes: &BTreeMap<String, ConcurrencyClass>,
) -> Result<()> {
    match &raw.concurrency_class {
        Some(class) if !classes.contains_key(class.get_ref()) => Err(at.error(
            &class.span(),
            ErrorKind::UnknownReference,
            format!("concurrency_class {:?} is not declared", class.get_ref()),
            format!(
                "add [concurrency_class.{}] with max = N, or remove the key",
                class.get_ref()
            ),
        )),
        _ => Ok(()),
    }
}

fn check_dependencies_exist(at: Locator<'_>, raw: &RawTask, tasks: &[Task]) -> Result<()> {
    for dependency in &raw.depends_on {
        let name = dependency.get_ref();
        if name == raw.id.get_ref() {
            return Err(at.error(
                &dependency.span(),
                ErrorKind::Cycle,
                format!("task {name:?} depends on itself"),
                "remove it from its own depends_on",
            ));
        }
        if tasks
            .binary_search_by(|task| task.id.as_str().cmp(name))
            .is_err()
        {
            return Err(at.error(
                &dependency.span(),
                ErrorKind::UnknownReference,
                format!("depends_on names {name:?}, which is not a task"),
                "name an existing task id, or remove the entry",
            ));
        }
    }
    Ok(())
}

/// Finds a cycle by depth-first search; the error names the whole loop.
fn check_cycles(at: Locator<'_>, raw: &RawManifest, tasks: &[Task]) -> Result<()> {
    let index: BTreeMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    // 0: not visited, 1: on the current path, 2: finished.
    let mut marks = vec![0u8; tasks.len()];
    let mut path = Vec::new();
    for start in 0..tasks.len() {
        if let Some(cycle) = visit(start, tasks, &index, &mut marks, &mut path) {
            let first = cycle[0];
            let loop_text: Vec<&str> = cycle.iter().map(|&i| tasks[i].id.as_str()).collect();
            let span = raw.task[first]
                .get_ref()
                .depends_on
                .iter()
                .find(|d| d.get_ref() == &tasks[cycle[1]].id)
                .map_or(0..0, |d| d.span());
            return Err(at.error(
                &span,
                ErrorKind::Cycle,
                format!("depends_on forms a cycle: {}", loop_text.join(" -> ")),
                "remove one dependency of the cycle",
            ));
        }
    }
    Ok(())
}

fn visit(
    node: usize,
    tasks: &[Task],
    index: &BTreeMap<&str, usize>,
    marks: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match marks[node] {
        2 => return None,
        1 => {
            let from = path.iter().position(|&n| n == node).unwrap_or(0);
            let mut cycle = path[from..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        _ => {}
    }
    marks[node] = 1;
    path.push(node);
    for dependency in &tasks[node].depends_on {
        let next = index[dependency.as_str()];
        if let Some(cycle) = visit(next, tasks, index, marks, path) {
            return Some(cycle);
        }
    }
    path.pop();
    marks[node] = 2;
    None
}
