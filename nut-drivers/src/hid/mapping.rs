//! Binding a subdriver's mapping rows to the fields of one device's descriptor.
//!
//! As NUT does at start-up: a row is kept only when its path names a field of the descriptor
//! (a Feature field, or an Input field with `interruptonly`); of several rows for one variable or
//! command the first kept row wins; `BOOL` and `ups.alarm` rows are all kept (their value-pair
//! table or conversion yields status tokens or alarm texts). We also leave out rows whose lookup
//! or conversion we cannot apply, rather than publish a raw number where NUT would publish text.

use super::convert::Conversion;
use super::descriptor::{ReportDescriptor, ReportKind};
use super::path::{PathNames, usage_table};
use super::tables::{Lookup, MappingRow, Subdriver, Tables};

/// How a bound row turns a value into NUT text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// printf with the row's format.
    Format,
    /// A value-pair table.
    Table(&'static Lookup),
    /// A conversion function.
    Convert(Conversion, &'static Lookup),
}

/// What a bound row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Publishes a variable.
    Variable,
    /// Sets or clears a status bit through its lookup (`online` / `!online`…).
    Status,
    /// Raises an alarm text through its lookup.
    Alarm,
    /// An instant command.
    Command,
}

/// One mapping row bound to a descriptor field.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The row.
    pub row: &'static MappingRow,
    /// Index of the field in [`ReportDescriptor::fields`].
    pub field: usize,
    /// What the row does.
    pub role: Role,
    /// How a value becomes text.
    pub render: Render,
}

/// Why a row of the subdriver was not bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbound {
    /// The path does not parse with the subdriver's usage names.
    BadPath(&'static MappingRow),
    /// The descriptor has no such field.
    NoField(&'static MappingRow),
    /// An earlier row already provides the name.
    Shadowed(&'static MappingRow),
    /// The row's lookup table or conversion is not available.
    NoLookup(&'static MappingRow),
}

/// A subdriver's rows bound to one device.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The subdriver.
    pub subdriver: &'static Subdriver,
    /// Kept rows, in NUT's order.
    pub bindings: Vec<Binding>,
    /// Rows left out, and why (for the debug log and `explore`).
    pub unbound: Vec<Unbound>,
    /// The path names of the subdriver (vendor table, then generic).
    pub names: PathNames,
}

impl Mapping {
    /// Binds `subdriver`'s rows to `descriptor`. With `interrupt_only`, Input fields are
    /// bound instead of Feature fields.
    pub fn bind(
        subdriver: &'static Subdriver,
        descriptor: &ReportDescriptor,
        interrupt_only: bool,
    ) -> Mapping {
        let tables = Tables::get();
        let names = match subdriver.usage_table.and_then(usage_table) {
            Some(vendor) => PathNames::with_vendor(vendor),
            None => PathNames::generic(),
        };
        let kind = if interrupt_only {
            ReportKind::Input
        } else {
            ReportKind::Feature
        };
        let mut mapping = Mapping {
            subdriver,
            bindings: Vec::new(),
            unbound: Vec::new(),
            names,
        };
        for row in tables.rows(subdriver.name) {
            match mapping.bind_row(tables, row, descriptor, kind) {
                Ok(binding) => mapping.bindings.push(binding),
                Err(unbound) => mapping.unbound.push(unbound),
            }
        }
        mapping
    }

    fn bind_row(
        &self,
        tables: &'static Tables,
        row: &'static MappingRow,
        descriptor: &ReportDescriptor,
        kind: ReportKind,
    ) -> Result<Binding, Unbound> {
        let role = match row.nut_name {
            "BOOL" => Role::Status,
            "ups.alarm" => Role::Alarm,
            _ if row.flags.command => Role::Command,
            _ => Role::Variable,
        };
        let shadowed = matches!(role, Role::Variable | Role::Command)
            && self.bindings.iter().any(|b| b.row.nut_name == row.nut_name);
        if shadowed {
            return Err(Unbound::Shadowed(row));
        }
        let path = self
            .names
            .parse(row.path)
            .map_err(|_| Unbound::BadPath(row))?;
        let field = descriptor
            .find(&path, kind)
            .and_then(|found| {
                descriptor
                    .fields()
                    .iter()
                    .position(|field| core::ptr::eq(field, found))
            })
            .ok_or(Unbound::NoField(row))?;
        let render = match row.lookup {
            None => Render::Format,
            Some(name) => {
                let lookup = tables
                    .lookup(self.subdriver, name)
                    .ok_or(Unbound::NoLookup(row))?;
                match lookup.function {
                    None => Render::Table(lookup),
                    Some(function) => Render::Convert(
                        Conversion::by_name(function).ok_or(Unbound::NoLookup(row))?,
                        lookup,
                    ),
                }
            }
        };
        // Status and alarm rows need a table or a conversion that yields tokens or texts.
        if matches!(role, Role::Status | Role::Alarm) && render == Render::Format {
            return Err(Unbound::NoLookup(row));
        }
        Ok(Binding {
            row,
            field,
            role,
            render,
        })
    }

    /// The bound variable rows.
    pub fn variables(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(|b| b.role == Role::Variable)
    }

    /// The bound command rows.
    pub fn commands(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(|b| b.role == Role::Command)
    }
}
