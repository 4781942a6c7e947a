

pub(crate) fn reflens_list_snapshot_blocks_output_output_next_token(
    input: &crate::operation::list_snapshot_blocks::ListSnapshotBlocksOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}
