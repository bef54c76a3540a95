//! The APC register map as data: `data/*.tsv` (see `data/SOURCES.md`) parsed into typed rows.

/// How a register's raw words are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Unsigned, big-endian over `count` registers.
    Uint,
    /// Signed (two's complement over `count` registers).
    Int,
    /// ASCII, two characters per register.
    String,
}

/// How the decoded value becomes text (NUT's `converter` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Converter {
    /// No converter: the integer or string as is.
    Plain,
    /// Fixed-point: value / 2^scale_bits, printed with `decimals`.
    Scaled,
    /// Percent of the nominal power (`ups.realpower`, `ups.power`).
    Power,
    /// Fixed-point voltage; 0xFFFF means "not available".
    Voltage,
    /// Efficiency; negative values are reason codes.
    Efficiency,
    /// Timer seconds (negative: not counting).
    Timer,
    /// Days since 2000-01-01.
    Date,
    /// `input.transfer.reason` code.
    TransferCause,
    /// Battery-test result bit field.
    TestResult,
    /// Runtime-calibration result bit field.
    CalibrationResult,
}

/// Which block a register row belongs to (NUT reads each block in one request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// Inventory (516…): identity strings, nominal values, dates.
    Inventory,
    /// Status (0…26).
    Status,
    /// Dynamic measurements (128…).
    Dynamic,
    /// Static configuration (1024…).
    Static,
}

/// One row of `registers.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Block the row is read in.
    pub block: Block,
    /// NUT variable name.
    pub name: String,
    /// First holding register.
    pub start: u16,
    /// Number of registers.
    pub count: u16,
    /// Raw value type.
    pub value_type: ValueType,
    /// Writable with `SET VAR`.
    pub writable: bool,
    /// Text conversion.
    pub converter: Converter,
    /// Decimal places for scaled values.
    pub decimals: usize,
    /// Binary-point scale (value / 2^scale_bits).
    pub scale_bits: u32,
}

/// One row of `commands.tsv`: an instant command is a value written to a command register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// NUT command name.
    pub name: String,
    /// Command register.
    pub register: u16,
    /// Registers written (1 or 2).
    pub count: u16,
    /// The value (big-endian over `count` registers).
    pub value: u32,
}

/// What a status bit means (`status_bits.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitKind {
    /// A `ups.status` word.
    Status,
    /// An `ups.alarm` text.
    Alarm,
}

/// One row of `status_bits.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBit {
    /// The holding register (in the status block, 0..26) carrying the bit.
    pub register: u16,
    /// Bit number.
    pub bit: u32,
    /// Status word or alarm.
    pub kind: BitKind,
    /// The word or text.
    pub text: String,
}

/// A malformed row in one of the embedded tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {reason}")]
pub struct TableError {
    /// Which table.
    pub file: &'static str,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The whole register map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// Registers, in table order.
    pub registers: Vec<Register>,
    /// Instant commands.
    pub commands: Vec<Command>,
    /// Status bits.
    pub status_bits: Vec<StatusBit>,
    /// `input.transfer.reason` names by code.
    pub transfer_causes: Vec<(u16, String)>,
}

const REGISTERS: &str = include_str!("data/registers.tsv");
const COMMANDS: &str = include_str!("data/commands.tsv");
const OUTLET_COMMANDS: &str = include_str!("data/outlet_commands.tsv");
const STATUS_BITS: &str = include_str!("data/status_bits.tsv");
const TRANSFER_CAUSES: &str = include_str!("data/transfer_causes.tsv");

/// Data rows of a TSV: skips `#` comments and the header row, yields (line number, fields).
fn rows(text: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
}

fn field<'a>(
    file: &'static str,
    line: usize,
    fields: &[&'a str],
    i: usize,
) -> Result<&'a str, TableError> {
    fields.get(i).copied().ok_or_else(|| TableError {
        file,
        line,
        reason: format!("missing column {}", i + 1),
    })
}

fn number<T: TryFrom<u64>>(file: &'static str, line: usize, text: &str) -> Result<T, TableError> {
    let bad = || TableError {
        file,
        line,
        reason: format!("not a number: {text:?}"),
    };
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed
        .ok()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(bad)
}

fn register_row(line: usize, f: &[&str]) -> Result<Register, TableError> {
    const FILE: &str = "registers.tsv";
    let bad = |reason: String| TableError {
        file: FILE,
        line,
        reason,
    };
    let block = match field(FILE, line, f, 0)? {
        "apc_modbus_register_map_inventory" => Block::Inventory,
        "apc_modbus_register_map_status" => Block::Status,
        "apc_modbus_register_map_dynamic" => Block::Dynamic,
        "apc_modbus_register_map_static" => Block::Static,
        other => return Err(bad(format!("unknown table {other:?}"))),
    };
    let value_type = match field(FILE, line, f, 4)? {
        "APC_VT_UINT" => ValueType::Uint,
        "APC_VT_INT" => ValueType::Int,
        "APC_VT_STRING" => ValueType::String,
        other => return Err(bad(format!("unknown value type {other:?}"))),
    };
    let converter = match field(FILE, line, f, 6)? {
        "NULL" => Converter::Plain,
        "&_apc_modbus_double_conversion" => Converter::Scaled,
        "&_apc_modbus_power_conversion" => Converter::Power,
        "&_apc_modbus_voltage_conversion" => Converter::Voltage,
        "&_apc_modbus_efficiency_conversion" => Converter::Efficiency,
        "&_apc_modbus_timer_conversion" => Converter::Timer,
        "&_apc_modbus_date_conversion" => Converter::Date,
        "&_apc_modbus_status_change_cause_conversion" => Converter::TransferCause,
        "&_apc_modbus_battery_test_status_conversion" => Converter::TestResult,
        "&_apc_modbus_runtime_calibration_status_conversion" => Converter::CalibrationResult,
        other => return Err(bad(format!("unknown converter {other:?}"))),
    };
    let format = field(FILE, line, f, 7)?;
    let decimals = format
        .split_once('.')
        .and_then(|(_, rest)| rest.chars().next())
        .and_then(|c| c.to_digit(10))
        .map_or(0, |d| d as usize);
    Ok(Register {
        block,
        name: field(FILE, line, f, 1)?.to_owned(),
        start: number(FILE, line, field(FILE, line, f, 2)?)?,
        count: number(FILE, line, field(FILE, line, f, 3)?)?,
        value_type,
        writable: field(FILE, line, f, 5)? == "APC_VF_RW",
        converter,
        decimals,
        scale_bits: number(FILE, line, field(FILE, line, f, 8)?)?,
    })
}

fn command_row(file: &'static str, line: usize, f: &[&str]) -> Result<Command, TableError> {
    Ok(Command {
        name: field(file, line, f, 0)?.to_owned(),
        register: number(file, line, field(file, line, f, 1)?)?,
        count: number(file, line, field(file, line, f, 2)?)?,
        value: number(file, line, field(file, line, f, 3)?)?,
    })
}

fn status_row(line: usize, f: &[&str]) -> Result<StatusBit, TableError> {
    const FILE: &str = "status_bits.tsv";
    let kind = match field(FILE, line, f, 2)? {
        "status" => BitKind::Status,
        "alarm" => BitKind::Alarm,
        other => {
            return Err(TableError {
                file: FILE,
                line,
                reason: format!("unknown kind {other:?}"),
            });
        }
    };
    Ok(StatusBit {
        register: number(FILE, line, field(FILE, line, f, 0)?)?,
        bit: number(FILE, line, field(FILE, line, f, 1)?)?,
        kind,
        text: field(FILE, line, f, 3)?.to_owned(),
    })
}

impl Tables {
    /// Parses the embedded tables.
    pub fn load() -> Result<Tables, TableError> {
        const CAUSES: &str = "transfer_causes.tsv";
        Ok(Tables {
            registers: rows(REGISTERS)
                .map(|(l, f)| register_row(l, &f))
                .collect::<Result<_, _>>()?,
            commands: rows(COMMANDS)
                .map(|(l, f)| command_row("commands.tsv", l, &f))
                .chain(
                    rows(OUTLET_COMMANDS).map(|(l, f)| command_row("outlet_commands.tsv", l, &f)),
                )
                .collect::<Result<_, _>>()?,
            status_bits: rows(STATUS_BITS)
                .map(|(l, f)| status_row(l, &f))
                .collect::<Result<_, _>>()?,
            transfer_causes: rows(TRANSFER_CAUSES)
                .map(|(l, f)| {
                    Ok((
                        number(CAUSES, l, field(CAUSES, l, &f, 0)?)?,
                        field(CAUSES, l, &f, 1)?.to_owned(),
                    ))
                })
                .collect::<Result<_, TableError>>()?,
        })
    }

    /// The register row for variable `name`.
    pub fn register(&self, name: &str) -> Option<&Register> {
        self.registers.iter().find(|r| r.name == name)
    }

    /// The command row for `name`.
    pub fn command(&self, name: &str) -> Option<&Command> {
        self.commands.iter().find(|c| c.name == name)
    }
}
