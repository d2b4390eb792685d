//! The protobuf wire format: tagged fields of varints, fixed-width numbers and length-delimited bytes.

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    Fixed32(u32),
}

impl Value<'_> {
    pub fn wire_type(&self) -> u8 {
        match self {
            Value::Varint(_) => 0,
            Value::Fixed64(_) => 1,
            Value::Len(_) => 2,
            Value::Fixed32(_) => 5,
        }
    }
}

/// A varint and the number of bytes it took.
pub fn varint(bytes: &[u8]) -> Result<(u64, usize), String> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(if bytes.len() < 10 {
        "unexpected end of data inside a varint".into()
    } else {
        "a varint is longer than 10 bytes".into()
    })
}

/// The fields of one message, in wire order.
pub struct Fields<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Fields<'a> {
    pub fn new(bytes: &'a [u8]) -> Fields<'a> {
        Fields {
            rest: bytes,
            failed: false,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            return Err(format!(
                "unexpected end of data: {n} bytes announced, {} left",
                self.rest.len()
            ));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn next_field(&mut self) -> Result<(u32, Value<'a>), String> {
        let (tag, used) = varint(self.rest)?;
        self.rest = &self.rest[used..];
        let number = u32::try_from(tag >> 3).map_err(|_| format!("field number {} is out of range", tag >> 3))?;
        if number == 0 {
            return Err("field number 0 is invalid".into());
        }
        let value = match tag & 7 {
            0 => {
                let (v, used) = varint(self.rest)?;
                self.rest = &self.rest[used..];
                Value::Varint(v)
            }
            1 => Value::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"))),
            2 => {
                let (len, used) = varint(self.rest)?;
                self.rest = &self.rest[used..];
                let len = usize::try_from(len).map_err(|_| "a length is out of range".to_string())?;
                Value::Len(self.take(len)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"))),
            t => {
                return Err(format!(
                    "field {number} has wire type {t} (groups are not used by Kubernetes)"
                ))
            }
        };
        Ok((number, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        let item = self.next_field();
        self.failed = item.is_err();
        Some(item)
    }
}
