//! Sprig's arithmetic (numeric.go): int64 as Go computes it (wrapping, truncating division,
//! divide-by-zero an error), float64, and the decimal-exact `addf`/`subf`/`mulf`/`divf`.

use super::{err, int, reg, reg_var, s, to_float64, to_int64};
use crate::func::{FuncMap, Param};
use crate::value::Value;

use Param::{Any, Int, String as Str};

const DIV_ZERO: &str = "runtime error: integer divide by zero";

pub(super) fn register(m: &mut FuncMap) {
    reg(m, "add1", &[Any], |a| Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1))));
    reg_var(m, "add", &[], Any, |a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, x| acc.wrapping_add(to_int64(x))),
        ))
    });
    reg(m, "sub", &[Any, Any], |a| {
        Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    reg(m, "div", &[Any, Any], |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return err(DIV_ZERO);
        }
        Ok(Value::Int64(to_int64(&a[0]).wrapping_div(d)))
    });
    reg(m, "mod", &[Any, Any], |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return err(DIV_ZERO);
        }
        Ok(Value::Int64(to_int64(&a[0]).wrapping_rem(d)))
    });
    reg_var(m, "mul", &[Any], Any, |a| {
        Ok(Value::Int64(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |acc, x| acc.wrapping_mul(to_int64(x))),
        ))
    });
    for name in ["max", "biggest"] {
        reg_var(m, name, &[Any], Any, |a| {
            Ok(Value::Int64(
                a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
            ))
        });
    }
    reg_var(m, "min", &[Any], Any, |a| {
        Ok(Value::Int64(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
        ))
    });
    register_float(m);
}

/// Float arithmetic, rounding and conversions.
fn register_float(m: &mut FuncMap) {
    reg_var(m, "maxf", &[Any], Any, |a| {
        Ok(Value::Float(
            a[1..].iter().map(to_float64).fold(to_float64(&a[0]), go_max),
        ))
    });
    reg_var(m, "minf", &[Any], Any, |a| {
        Ok(Value::Float(
            a[1..].iter().map(to_float64).fold(to_float64(&a[0]), go_min),
        ))
    });
    reg(m, "ceil", &[Any], |a| Ok(Value::Float(to_float64(&a[0]).ceil())));
    reg(m, "floor", &[Any], |a| Ok(Value::Float(to_float64(&a[0]).floor())));
    reg_var(m, "round", &[Any, Int], Int, |a| {
        let round_on = a.get(2).map(|v| int(v) as f64).unwrap_or(0.5);
        let val = to_float64(&a[0]);
        let pow = 10f64.powf(int(&a[1]) as f64);
        let digit = pow * val;
        let frac = digit - digit.trunc();
        let r = if frac >= round_on { digit.ceil() } else { digit.floor() };
        Ok(Value::Float(r / pow))
    });
    reg(m, "int", &[Any], |a| Ok(Value::Int(to_int64(&a[0]))));
    reg(m, "int64", &[Any], |a| Ok(Value::Int64(to_int64(&a[0]))));
    reg(m, "float64", &[Any], |a| Ok(Value::Float(to_float64(&a[0]))));
    reg(m, "toDecimal", &[Any], |a| {
        let s = a[0].to_string();
        let digits = s.strip_prefix('+').unwrap_or(&s);
        let (neg, digits) = match digits.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, digits),
        };
        let v = if digits.is_empty() || digits.starts_with(['+', '-']) {
            None
        } else {
            i64::from_str_radix(digits, 8).ok()
        };
        Ok(Value::Int64(v.map(|v| if neg { -v } else { v }).unwrap_or(0)))
    });
    reg(m, "atoi", &[Str], |a| {
        Ok(Value::Int(s(&a[0]).parse::<i64>().unwrap_or(0)))
    });
    reg(m, "add1f", &[Any], |a| decimal_op(&a[0], &[Value::Float(1.0)], Op::Add));
    reg_var(m, "addf", &[], Any, |a| decimal_op(&Value::Float(0.0), &a, Op::Add));
    reg_var(m, "subf", &[Any], Any, |a| decimal_op(&a[0], &a[1..], Op::Sub));
    reg_var(m, "mulf", &[Any], Any, |a| decimal_op(&a[0], &a[1..], Op::Mul));
    reg_var(m, "divf", &[Any], Any, |a| decimal_op(&a[0], &a[1..], Op::Div));
    reg(m, "randInt", &[Int, Int], |a| {
        let (lo, hi) = (int(&a[0]), int(&a[1]));
        if hi <= lo {
            return err("invalid argument to Intn");
        }
        Ok(Value::Int(
            lo + (super::encoding::random_u64() % (hi - lo) as u64) as i64,
        ))
    });
}

/// Go's `math.Max`/`math.Min` (NaN wins).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// A decimal m × 10^e, as shopspring/decimal holds `NewFromFloat`'s shortest representation.
#[derive(Clone, Copy, Debug)]
struct Decimal {
    m: i128,
    e: i32,
}

impl Decimal {
    fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Decimal { m: 0, e: 0 });
        }
        let s = format!("{:e}", f);
        let (mant, exp) = s.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let neg = mant.starts_with('-');
        let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
        let m: i128 = digits.parse().ok()?;
        Some(Decimal {
            m: if neg { -m } else { m },
            e: exp - (digits.len() as i32 - 1),
        })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }

    fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, i32)> {
        let e = a.e.min(b.e);
        let sa = 10i128.checked_pow((a.e - e) as u32)?;
        let sb = 10i128.checked_pow((b.e - e) as u32)?;
        Some((a.m.checked_mul(sa)?, b.m.checked_mul(sb)?, e))
    }

    fn apply(self, op: Op, b: Decimal) -> Option<Result<Decimal, &'static str>> {
        Some(Ok(match op {
            Op::Add => {
                let (x, y, e) = Decimal::align(self, b)?;
                Decimal {
                    m: x.checked_add(y)?,
                    e,
                }
            }
            Op::Sub => {
                let (x, y, e) = Decimal::align(self, b)?;
                Decimal {
                    m: x.checked_sub(y)?,
                    e,
                }
            }
            Op::Mul => Decimal {
                m: self.m.checked_mul(b.m)?,
                e: self.e + b.e,
            },
            Op::Div => {
                if b.m == 0 {
                    return Some(Err("decimal division by 0"));
                }
                // shopspring's DivisionPrecision: 16 decimal places, rounded half away from zero.
                let target = -16;
                let shift = self.e - b.e - target;
                let (num, den) = if shift >= 0 {
                    (self.m.checked_mul(10i128.checked_pow(shift as u32)?)?, b.m)
                } else {
                    (self.m, b.m.checked_mul(10i128.checked_pow((-shift) as u32)?)?)
                };
                let q = num / den;
                let r = num % den;
                let q = if r.abs().checked_mul(2)? >= den.abs() {
                    q + num.signum() * den.signum()
                } else {
                    q
                };
                Decimal { m: q, e: target }
            }
        }))
    }
}

fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, crate::FuncError> {
    let mut acc_f = to_float64(first);
    let mut acc = Decimal::from_f64(acc_f);
    for x in rest {
        let xf = to_float64(x);
        let next = match (acc, Decimal::from_f64(xf)) {
            (Some(a), Some(b)) => a.apply(op, b),
            _ => None,
        };
        match next {
            Some(Ok(d)) => {
                acc = Some(d);
                acc_f = d.to_f64();
            }
            Some(Err(e)) => return err(e),
            None => {
                // Beyond i128: float arithmetic, as close as it gets.
                acc_f = match op {
                    Op::Add => acc_f + xf,
                    Op::Sub => acc_f - xf,
                    Op::Mul => acc_f * xf,
                    Op::Div => {
                        if xf == 0.0 {
                            return err("decimal division by 0");
                        }
                        acc_f / xf
                    }
                };
                acc = Decimal::from_f64(acc_f);
            }
        }
    }
    Ok(Value::Float(acc_f))
}
