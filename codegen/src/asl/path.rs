//! Syntax checks for the strings Step Functions evaluates: JSONPaths and intrinsic functions.
//!
//! Step Functions accepts a JSONPath (Jayway syntax) wherever a `Path` is expected, a *reference
//! path* (no wildcards, filters or deep scans) for `ResultPath` and friends, and in a `.$` value
//! either a path or an intrinsic function call. A typo in one of these is only found when an
//! execution reaches the state, so we parse them at synth.

/// Where a path appears decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRule {
    /// `ResultPath`: a reference path into the state input; no context object.
    Reference,
    /// `InputPath`, `OutputPath`, `ItemsPath`, Choice variables: a path, `$$` allowed.
    Path,
}

/// Checks a JSONPath. Returns a message that says what is wrong and where.
pub fn check_path(s: &str, rule: PathRule) -> Result<(), String> {
    let mut p = Parser::new(s);
    p.path(rule)?;
    if !p.at_end() {
        return Err(p.error("unexpected text after the path"));
    }
    Ok(())
}

/// Checks the value of a `.$` key: a JSONPath (`$...`, `$$...`) or an intrinsic (`States.X(...)`).
pub fn check_dynamic_value(s: &str) -> Result<(), String> {
    if s.starts_with('$') {
        check_path(s, PathRule::Path)
    } else if s.starts_with("States.") {
        let mut p = Parser::new(s);
        p.intrinsic()?;
        p.skip_ws();
        if !p.at_end() {
            return Err(p.error("unexpected text after the intrinsic function call"));
        }
        Ok(())
    } else {
        Err(format!(
            "`{s}` is neither a JSONPath (starting with `$`) nor an intrinsic function (`States.…(…)`)"
        ))
    }
}

/// Intrinsic functions and how many arguments they take (min, max).
const INTRINSICS: &[(&str, usize, usize)] = &[
    ("States.Format", 1, usize::MAX),
    ("States.StringToJson", 1, 1),
    ("States.JsonToString", 1, 1),
    ("States.Array", 0, usize::MAX),
    ("States.ArrayPartition", 2, 2),
    ("States.ArrayContains", 2, 2),
    ("States.ArrayRange", 3, 3),
    ("States.ArrayGetItem", 2, 2),
    ("States.ArrayLength", 1, 1),
    ("States.ArrayUnique", 1, 1),
    ("States.Base64Encode", 1, 1),
    ("States.Base64Decode", 1, 1),
    ("States.Hash", 2, 2),
    ("States.JsonMerge", 3, 3),
    ("States.MathRandom", 2, 3),
    ("States.MathAdd", 2, 2),
    ("States.StringSplit", 2, 2),
    ("States.UUID", 0, 0),
];

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

enum Arg {
    Literal(String),
    Other,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn error(&self, what: &str) -> String {
        format!("`{}`: {what} at character {}", self.src, self.pos + 1)
    }

    fn path(&mut self, rule: PathRule) -> Result<(), String> {
        if !self.eat('$') {
            return Err(self.error("a path must start with `$`"));
        }
        if self.eat('$') && rule == PathRule::Reference {
            return Err(self.error("the context object `$$` cannot be written to"));
        }
        loop {
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    if self.eat('.') && rule == PathRule::Reference {
                        return Err(self.error("a reference path cannot use a deep scan `..`"));
                    }
                    if self.eat('*') {
                        if rule == PathRule::Reference {
                            return Err(self.error("a reference path cannot use a wildcard"));
                        }
                        continue;
                    }
                    let start = self.pos;
                    while matches!(self.peek(), Some(c) if is_name_char(c)) {
                        self.pos += self.peek().map_or(1, char::len_utf8);
                    }
                    if self.pos == start {
                        return Err(self.error("expected a field name after `.`"));
                    }
                }
                Some('[') => {
                    self.pos += 1;
                    self.bracket(rule)?;
                }
                // End of the path: inside an intrinsic the caller decides what may follow.
                _ => return Ok(()),
            }
        }
    }

    /// After `[`: `'name'`, `"name"`, an index, `*`, a slice, a union or a filter; then `]`.
    fn bracket(&mut self, rule: PathRule) -> Result<(), String> {
        match self.peek() {
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c == q {
                        break;
                    }
                    self.pos += c.len_utf8();
                }
                if !self.eat(q) {
                    return Err(self.error("unterminated quoted name"));
                }
                if self.pos - start == 1 {
                    return Err(self.error("empty quoted name"));
                }
            }
            Some('*') => {
                if rule == PathRule::Reference {
                    return Err(self.error("a reference path cannot use a wildcard"));
                }
                self.pos += 1;
            }
            Some('?') => {
                if rule == PathRule::Reference {
                    return Err(self.error("a reference path cannot use a filter"));
                }
                self.pos += 1;
                if !self.eat('(') {
                    return Err(self.error("expected `(` after `?` in a filter"));
                }
                let mut depth = 1;
                while depth > 0 {
                    match self.peek() {
                        None => return Err(self.error("unbalanced parentheses in filter")),
                        Some('(') => depth += 1,
                        Some(')') => depth -= 1,
                        _ => {}
                    }
                    self.pos += self.peek().map_or(1, char::len_utf8);
                }
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == ':' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '-' || c == ':' || c == ',' || c == ' ')
                {
                    self.pos += 1;
                }
                let body = &self.src[start..self.pos];
                let simple_index = body.chars().all(|c| c.is_ascii_digit());
                if rule == PathRule::Reference && !simple_index {
                    return Err(self.error("a reference path allows only a single array index"));
                }
                if body.split([':', ',']).any(|n| {
                    let n = n.trim();
                    !n.is_empty() && n.trim_start_matches('-').parse::<u64>().is_err()
                }) {
                    return Err(self.error("malformed array index"));
                }
            }
            _ => {
                return Err(
                    self.error("expected a quoted name, an index, `*` or a filter after `[`")
                )
            }
        }
        if !self.eat(']') {
            return Err(self.error("expected `]`"));
        }
        Ok(())
    }

    fn intrinsic(&mut self) -> Result<(), String> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '.') {
            self.pos += 1;
        }
        let name = &self.src[start..self.pos];
        let Some(&(_, min, max)) = INTRINSICS.iter().find(|(n, _, _)| *n == name) else {
            return Err(self.error(&format!("unknown intrinsic function `{name}`")));
        };
        if !self.eat('(') {
            return Err(self.error(&format!("expected `(` after `{name}`")));
        }
        let mut args = Vec::new();
        self.skip_ws();
        if !self.eat(')') {
            loop {
                self.skip_ws();
                args.push(self.argument()?);
                self.skip_ws();
                if self.eat(',') {
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(self.error("expected `,` or `)` in the argument list"));
            }
        }
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (a, b) if a == b => format!("{a}"),
                (a, usize::MAX) => format!("at least {a}"),
                (a, b) => format!("{a} to {b}"),
            };
            return Err(self.error(&format!(
                "`{name}` takes {expected} argument(s), got {}",
                args.len()
            )));
        }
        if name == "States.Format" {
            match &args[0] {
                Arg::Literal(template) => {
                    let holes = count_placeholders(template);
                    if holes != args.len() - 1 {
                        return Err(self.error(&format!(
                            "`States.Format` template has {holes} `{{}}` but {} value(s) follow",
                            args.len() - 1
                        )));
                    }
                }
                Arg::Other => {
                    return Err(self.error("`States.Format` needs a string literal template first"))
                }
            }
        }
        Ok(())
    }

    fn argument(&mut self) -> Result<Arg, String> {
        match self.peek() {
            Some('\'') => {
                self.pos += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.error("unterminated string literal")),
                        Some('\\') => {
                            self.pos += 1;
                            match self.peek() {
                                Some(c @ ('\'' | '{' | '}' | '\\')) => {
                                    text.push('\\');
                                    text.push(c);
                                    self.pos += 1;
                                }
                                _ => return Err(self.error("invalid escape in string literal")),
                            }
                        }
                        Some('\'') => {
                            self.pos += 1;
                            return Ok(Arg::Literal(text));
                        }
                        Some(c) => {
                            text.push(c);
                            self.pos += c.len_utf8();
                        }
                    }
                }
            }
            Some('$') => {
                self.path(PathRule::Path)?;
                Ok(Arg::Other)
            }
            Some('S') if self.rest().starts_with("States.") => {
                self.intrinsic()?;
                Ok(Arg::Other)
            }
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')
                {
                    self.pos += 1;
                }
                self.src[start..self.pos]
                    .parse::<f64>()
                    .map_err(|_| self.error("malformed number"))?;
                Ok(Arg::Other)
            }
            _ => {
                for word in ["true", "false", "null"] {
                    if self.rest().starts_with(word) {
                        self.pos += word.len();
                        return Ok(Arg::Other);
                    }
                }
                Err(self.error("expected a string literal, a number, a path or an intrinsic"))
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    !matches!(c, '.' | '[' | ']' | '\'' | '"' | '(' | ')' | ',' | '*') && !c.is_whitespace()
}

/// `{}` holes in a `States.Format` template, not counting escaped `\{` `\}`.
fn count_placeholders(template: &str) -> usize {
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'{' if bytes.get(i + 1) == Some(&b'}') => {
                n += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_paths_step_functions_accepts() {
        for p in [
            "$",
            "$.case",
            "$.detail-type",
            "$.case.instances[0].instance_id",
            "$['detail']['type']",
            "$.findings[*].Id",
            "$..Id",
            "$.a[?(@.b == 'c')]",
            "$.a[0:2]",
            "$$.Execution.Id",
            "$$.Task.Token",
        ] {
            check_path(p, PathRule::Path).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
        for p in ["$", "$.results.notify", "$.a[0].b", "$['with space']"] {
            check_path(p, PathRule::Reference).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn rejects_malformed_paths() {
        for p in [
            "", "case", "$.", "$..", "$.a..", "$[", "$.a[0", "$.a[x]", "$.a]", "$.a b", "$['']",
        ] {
            assert!(
                check_path(p, PathRule::Path).is_err(),
                "{p} should be rejected"
            );
        }
        for p in ["$.a[*]", "$..a", "$$.Execution", "$.a[?(@.x)]", "$.a[0:1]"] {
            assert!(
                check_path(p, PathRule::Reference).is_err(),
                "{p} is not a reference path"
            );
        }
    }

    #[test]
    fn checks_intrinsics() {
        for v in [
            "States.Format('Case {} on {}', $.case.case_id, $.case.account)",
            "States.UUID()",
            "States.Array($.a, 'x', 1, true, null)",
            "States.JsonToString(States.Array($.a))",
            "States.Format('literal \\{braces\\} {}', $.x)",
            "States.MathRandom(1, 10)",
        ] {
            check_dynamic_value(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
        let cases = [
            ("States.Nope($.a)", "unknown intrinsic"),
            ("States.Format('{} {}', $.a)", "has 2 `{}` but 1"),
            ("States.UUID(1)", "takes 0"),
            ("States.Format('x'", "expected `,` or `)`"),
            ("States.Format('x", "unterminated"),
            ("States.ArrayLength($.a) trailing", "unexpected text"),
            ("States.Format($.t, $.a)", "string literal template"),
            ("case.id", "neither a JSONPath"),
        ];
        for (v, msg) in cases {
            let err = check_dynamic_value(v).expect_err(v);
            assert!(err.contains(msg), "{v}: {err}");
        }
    }
}
