#Requires -Version 7.4

<#
.SYNOPSIS
    Compiles module/en-US/<Verb-Noun>.md into the module's MAML help file.

.DESCRIPTION
    Called by build.ps1 in a child pwsh, after the module has been laid out. Imports the built
    module and takes every structural fact (parameter sets, types, aliases, mandatory, position,
    pipeline input, wildcards, output types) from the live cmdlet metadata; the markdown supplies
    only the prose. The source format is described in module/en-US/README.md.

    Fails (exit code 1) when an exported cmdlet has no markdown file, or the file misses a
    synopsis, a description or the description of a parameter (common parameters excluded).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $SourceDirectory,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$KnownSections = 'SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
$OptionalCommonParameters = [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$StandardDescriptions = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run and nothing is changed.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

#region Markdown

function New-TextTarget {
    [pscustomobject]@{ Paragraphs = [System.Collections.Generic.List[string]]::new(); Pending = [System.Collections.Generic.List[string]]::new() }
}

function Complete-Paragraph($Target) {
    if ($null -ne $Target -and $Target.Pending.Count -gt 0) {
        $Target.Paragraphs.Add(($Target.Pending -join ' ').Trim())
        $Target.Pending.Clear()
    }
}

function ConvertFrom-HelpMarkdown([string] $Path) {
    $lines = Get-Content -LiteralPath $Path
    $fileName = [IO.Path]::GetFileNameWithoutExtension($Path)
    $doc = [pscustomobject]@{
        Path        = $Path
        Title       = $null
        Sections    = @{}
        Parameters  = [ordered]@{}
        Examples    = [System.Collections.Generic.List[object]]::new()
        Inputs      = [System.Collections.Generic.List[object]]::new()
        Outputs     = [System.Collections.Generic.List[object]]::new()
        Errors      = [System.Collections.Generic.List[string]]::new()
    }
    $section = $null
    $target = $null
    $example = $null
    $fence = $null          # the code lines while inside ``` ... ```
    $inUnknownSection = $false
    $lineNumber = 0

    foreach ($line in $lines) {
        $lineNumber++
        if ($null -ne $fence) {
            if ($line -match '^\s*```\s*$') {
                $code = ($fence -join "`n").TrimEnd()
                if ($null -ne $example) {
                    $example.Code = if ($example.Code) { "$($example.Code)`n`n$code" } else { $code }
                }
                elseif ($null -ne $target) {
                    $target.Paragraphs.Add($code)
                }
                $fence = $null
            }
            else {
                $fence.Add($line)
            }
            continue
        }
        if ($line -match '^\s*```') {
            Complete-Paragraph $target
            $fence = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($line -match '^#\s+(.+?)\s*$') {
            Complete-Paragraph $target
            $doc.Title = $Matches[1]
            $section = $null; $target = $null; $example = $null
            continue
        }
        if ($line -match '^##\s+(.+?)\s*$') {
            Complete-Paragraph $target
            $section = $Matches[1].ToUpperInvariant()
            $example = $null
            if ($section -notin $KnownSections) {
                $doc.Errors.Add("${Path}:${lineNumber}: unknown section '## $($Matches[1])'; expected one of: $($KnownSections -join ', ').")
                $target = $null
                $inUnknownSection = $true
                continue
            }
            $inUnknownSection = $false
            $target = New-TextTarget
            $doc.Sections[$section] = $target
            continue
        }
        if ($line -match '^###\s+(.+?)\s*$') {
            Complete-Paragraph $target
            $heading = $Matches[1]
            $example = $null
            switch ($section) {
                'PARAMETERS' {
                    $target = New-TextTarget
                    $doc.Parameters[$heading.TrimStart('-').Trim()] = $target
                }
                'EXAMPLES' {
                    $target = New-TextTarget
                    $example = [pscustomobject]@{ Title = $heading; Code = ''; Remarks = $target }
                    $doc.Examples.Add($example)
                }
                { $_ -in 'INPUTS', 'OUTPUTS' } {
                    $target = New-TextTarget
                    $entry = [pscustomobject]@{ Type = $heading; Description = $target }
                    if ($section -eq 'INPUTS') { $doc.Inputs.Add($entry) } else { $doc.Outputs.Add($entry) }
                }
                default {
                    $doc.Errors.Add("${Path}:${lineNumber}: '### $heading' is only allowed under PARAMETERS, EXAMPLES, INPUTS or OUTPUTS.")
                    $target = $null
                }
            }
            continue
        }
        if ($null -eq $target) {
            if ($line.Trim() -and -not $inUnknownSection) {
                $doc.Errors.Add("${Path}:${lineNumber}: text outside any section.")
            }
            continue
        }
        if (-not $line.Trim()) {
            Complete-Paragraph $target
        }
        elseif ($line -match '^\s*([-*]|\d+\.)\s+') {
            Complete-Paragraph $target
            $target.Pending.Add($line.Trim())
        }
        else {
            $target.Pending.Add($line.Trim())
        }
    }
    Complete-Paragraph $target
    if ($null -ne $fence) {
        $doc.Errors.Add("${Path}: a code fence is never closed.")
    }
    if ($doc.Title -ne $fileName) {
        $doc.Errors.Add("${Path}: the title '# $($doc.Title)' must be '# $fileName'.")
    }
    return $doc
}

function Get-SectionParagraphs($Doc, [string] $Name) {
    # Emits the paragraphs one by one; callers collect them with @() when they need an array.
    if ($Doc.Sections.ContainsKey($Name)) { $Doc.Sections[$Name].Paragraphs }
}

#endregion

#region Cmdlet metadata

function Get-TypeDisplayName([type] $Type) {
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Get-TypeDisplayName $underlying }
    if ($Type.IsGenericType) {
        $arguments = ($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ }) -join ', '
        return ($Type.Name -replace '`\d+$', '') + "[$arguments]"
    }
    return $Type.Name
}

function Test-CommonParameter([string] $Name) {
    return $Name -in $CommonParameters -or $Name -in $OptionalCommonParameters
}

function Get-PipelineText([bool] $ByValue, [bool] $ByPropertyName) {
    $kinds = @()
    if ($ByValue) { $kinds += 'ByValue' }
    if ($ByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { return "True ($($kinds -join ', '))" }
    return 'False'
}

function Get-PositionText([int] $Position) {
    if ($Position -lt 0) { return 'named' }
    return [string] $Position
}

function Test-SupportsWildcards($Parameter) {
    return [bool] ($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
}

function Get-DocumentedParameters($Command) {
    # Every parameter shown in help: the cmdlet's own plus -WhatIf / -Confirm, never the common ones.
    $Command.Parameters.Values |
        Where-Object { -not ($_.Name -in $CommonParameters) } |
        Sort-Object @{ Expression = { $_.Name -in $OptionalCommonParameters } }, Name
}

function Get-SyntaxParameters($ParameterSet) {
    $own = @($ParameterSet.Parameters | Where-Object { -not (Test-CommonParameter $_.Name) })
    $positional = @($own | Where-Object { $_.Position -ge 0 } | Sort-Object Position)
    $mandatory = @($own | Where-Object { $_.Position -lt 0 -and $_.IsMandatory })
    $optional = @($own | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory })
    $shouldProcess = @($ParameterSet.Parameters | Where-Object { $_.Name -in $OptionalCommonParameters } | Sort-Object { $_.Name -eq 'Confirm' })
    return @($positional) + @($mandatory) + @($optional) + @($shouldProcess)
}

#endregion

#region MAML

$ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

function Write-Paragraphs([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    foreach ($p in $Paragraphs) {
        $W.WriteElementString('maml', 'para', $ns.maml, $p)
    }
    if (-not $Paragraphs) {
        $W.WriteStartElement('maml', 'para', $ns.maml); $W.WriteEndElement()
    }
}

function Write-Description([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    $W.WriteStartElement('maml', 'description', $ns.maml)
    Write-Paragraphs $W $Paragraphs
    $W.WriteEndElement()
}

function Write-Parameter {
    param(
        [System.Xml.XmlWriter] $W,
        [string] $Name,
        [type] $Type,
        [string] $Required,
        [string] $Position,
        [string] $PipelineInput,
        [bool] $Globbing,
        [string[]] $Aliases,
        [string[]] $Description
    )
    $isSwitch = $Type -eq [System.Management.Automation.SwitchParameter]
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', $Required)
    $W.WriteAttributeString('variableLength', ([string] $Type.IsArray).ToLowerInvariant())
    $W.WriteAttributeString('globbing', ([string] $Globbing).ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $PipelineInput)
    $W.WriteAttributeString('position', $Position)
    $W.WriteAttributeString('aliases', $(if ($Aliases) { $Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $ns.maml, $Name)
    Write-Description $W $Description
    if (-not $isSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', ([string] $Type.IsArray).ToLowerInvariant())
        $W.WriteString((Get-TypeDisplayName $Type))
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $Type.FullName)
    $W.WriteStartElement('maml', 'uri', $ns.maml); $W.WriteEndElement()
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($isSwitch) { 'False' } else { 'None' }))
    $W.WriteEndElement()
}

function Write-TypeEntries([System.Xml.XmlWriter] $W, [string] $Container, [string] $Item, $Entries) {
    $W.WriteStartElement('command', $Container, $ns.command)
    foreach ($entry in $Entries) {
        $W.WriteStartElement('command', $Item, $ns.command)
        $W.WriteStartElement('dev', 'type', $ns.dev)
        $W.WriteElementString('maml', 'name', $ns.maml, $entry.Type)
        $W.WriteEndElement()
        Write-Description $W $entry.Paragraphs
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $W, $Command, $Doc, [hashtable] $Descriptions) {
    $W.WriteStartElement('command', 'command', $ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') {
        $W.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix])
    }

    $W.WriteStartElement('command', 'details', $ns.command)
    $W.WriteElementString('command', 'name', $ns.command, $Command.Name)
    $W.WriteElementString('command', 'verb', $ns.command, $Command.Verb)
    $W.WriteElementString('command', 'noun', $ns.command, $Command.Noun)
    Write-Description $W (Get-SectionParagraphs $Doc 'SYNOPSIS')
    $W.WriteEndElement()

    Write-Description $W (Get-SectionParagraphs $Doc 'DESCRIPTION')

    $W.WriteStartElement('command', 'syntax', $ns.command)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault }, Name)
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $ns.command)
        $W.WriteElementString('maml', 'name', $ns.maml, $Command.Name)
        foreach ($p in Get-SyntaxParameters $set) {
            Write-Parameter -W $W -Name $p.Name -Type $p.ParameterType `
                -Required ([string] $p.IsMandatory).ToLowerInvariant() `
                -Position (Get-PositionText $p.Position) `
                -PipelineInput (Get-PipelineText $p.ValueFromPipeline $p.ValueFromPipelineByPropertyName) `
                -Globbing (Test-SupportsWildcards $p) -Aliases $p.Aliases -Description $Descriptions[$p.Name]
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($meta in Get-DocumentedParameters $Command) {
        $inSets = @($Command.ParameterSets | ForEach-Object { $set = $_; $set.Parameters | Where-Object Name -EQ $meta.Name | ForEach-Object { [pscustomobject]@{ Set = $set.Name; Info = $_ } } })
        $mandatorySets = @($inSets | Where-Object { $_.Info.IsMandatory })
        $required = if ($mandatorySets.Count -eq 0) { 'false' }
        elseif ($mandatorySets.Count -eq $inSets.Count) { 'true' }
        else { "true ($(($mandatorySets.Set) -join ', '))" }
        $positions = @($inSets | ForEach-Object { Get-PositionText $_.Info.Position } | Select-Object -Unique)
        $byValue = [bool] ($inSets | Where-Object { $_.Info.ValueFromPipeline })
        $byProperty = [bool] ($inSets | Where-Object { $_.Info.ValueFromPipelineByPropertyName })
        Write-Parameter -W $W -Name $meta.Name -Type $meta.ParameterType -Required $required `
            -Position ($positions -join ', ') -PipelineInput (Get-PipelineText $byValue $byProperty) `
            -Globbing (Test-SupportsWildcards $meta) -Aliases $meta.Aliases -Description $Descriptions[$meta.Name]
    }
    $W.WriteEndElement()

    $inputs = @($Doc.Inputs | ForEach-Object { [pscustomobject]@{ Type = $_.Type; Paragraphs = @($_.Description.Paragraphs) } })
    if (-not $inputs) {
        $inputs = @($Command.Parameters.Values |
            Where-Object { -not (Test-CommonParameter $_.Name) } |
            ForEach-Object { $p = $_; $p.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } | ForEach-Object { $p.ParameterType.FullName } } |
            Select-Object -Unique |
            ForEach-Object { [pscustomobject]@{ Type = $_; Paragraphs = @("You can pipe a $_ to this cmdlet.") } })
    }
    if (-not $inputs) { $inputs = @([pscustomobject]@{ Type = 'None'; Paragraphs = @('This cmdlet does not take pipeline input.') }) }
    Write-TypeEntries $W 'inputTypes' 'inputType' $inputs

    $outputs = @($Doc.Outputs | ForEach-Object { [pscustomobject]@{ Type = $_.Type; Paragraphs = @($_.Description.Paragraphs) } })
    if (-not $outputs) {
        $outputs = @($Command.OutputType | ForEach-Object { [pscustomobject]@{ Type = $_.Name; Paragraphs = @() } })
    }
    if (-not $outputs) { $outputs = @([pscustomobject]@{ Type = 'None'; Paragraphs = @('This cmdlet returns no output.') }) }
    Write-TypeEntries $W 'returnValues' 'returnValue' $outputs

    $notes = Get-SectionParagraphs $Doc 'NOTES'
    if ($notes) {
        $W.WriteStartElement('maml', 'alertSet', $ns.maml)
        $W.WriteStartElement('maml', 'alert', $ns.maml)
        Write-Paragraphs $W $notes
        $W.WriteEndElement()
        $W.WriteEndElement()
    }

    $W.WriteStartElement('command', 'examples', $ns.command)
    $index = 0
    foreach ($example in $Doc.Examples) {
        $index++
        $W.WriteStartElement('command', 'example', $ns.command)
        $W.WriteElementString('maml', 'title', $ns.maml, "---------- $($example.Title) ----------")
        $W.WriteElementString('dev', 'code', $ns.dev, $example.Code)
        $W.WriteStartElement('dev', 'remarks', $ns.dev)
        Write-Paragraphs $W @($example.Remarks.Paragraphs)
        # An empty closing paragraph keeps a blank line between one example and the next title.
        $W.WriteStartElement('maml', 'para', $ns.maml); $W.WriteEndElement()
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in Get-SectionParagraphs $Doc 'RELATED LINKS') {
        $text = $link -replace '^\s*([-*]|\d+\.)\s+', ''
        $uri = ''
        if ($text -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$') {
            $text = $Matches.text
            $uri = $Matches.uri
        }
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, $text)
        $W.WriteElementString('maml', 'uri', $ns.maml, $uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

#endregion

$module = Import-Module $ModuleManifest -Force -PassThru
$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
$problems = [System.Collections.Generic.List[string]]::new()
$documents = @{}

$sources = @()
if (Test-Path $SourceDirectory) {
    $sources = @(Get-ChildItem $SourceDirectory -Filter '*-*.md' -File)
}
foreach ($file in $sources) {
    $documents[$file.BaseName] = ConvertFrom-HelpMarkdown $file.FullName
}
foreach ($orphan in $documents.Keys | Where-Object { $_ -notin $commands.Name }) {
    Write-Warning "Help source $orphan.md matches no cmdlet exported by $($module.Name); it is ignored."
}

$plan = @(foreach ($command in $commands) {
    $doc = $documents[$command.Name]
    if (-not $doc) {
        $problems.Add("$($command.Name): no help source; create $(Join-Path $SourceDirectory "$($command.Name).md") (format: module/en-US/README.md).")
        continue
    }
    $problems.AddRange($doc.Errors)
    if (-not (Get-SectionParagraphs $doc 'SYNOPSIS')) { $problems.Add("$($command.Name): '## SYNOPSIS' is missing or empty in $($doc.Path).") }
    if (-not (Get-SectionParagraphs $doc 'DESCRIPTION')) { $problems.Add("$($command.Name): '## DESCRIPTION' is missing or empty in $($doc.Path).") }

    $descriptions = @{}
    foreach ($meta in Get-DocumentedParameters $command) {
        $text = if ($doc.Parameters.Contains($meta.Name)) { @($doc.Parameters[$meta.Name].Paragraphs) } else { @() }
        if (-not $text -and $StandardDescriptions.ContainsKey($meta.Name)) { $text = @($StandardDescriptions[$meta.Name]) }
        if (-not $text) { $problems.Add("$($command.Name): parameter -$($meta.Name) has no description; add '### -$($meta.Name)' under '## PARAMETERS' in $($doc.Path).") }
        $descriptions[$meta.Name] = $text
    }
    foreach ($documented in $doc.Parameters.Keys) {
        if (-not $command.Parameters.ContainsKey($documented)) {
            $problems.Add("$($command.Name): $($doc.Path) documents -$documented, which the cmdlet does not have.")
        }
    }
    [pscustomobject]@{ Command = $command; Doc = $doc; Descriptions = $descriptions }
})

if ($problems.Count -gt 0) {
    $message = "Help for $($module.Name) is incomplete:$([Environment]::NewLine)  " + ($problems -join "$([Environment]::NewLine)  ")
    [Console]::Error.WriteLine($message)
    exit 1
}

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$null = New-Item -ItemType Directory -Path (Split-Path $OutputPath -Parent) -Force
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', $ns.msh)
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($item in $plan) {
        Write-Command $writer $item.Command $item.Doc $item.Descriptions
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

# PowerShell must actually pick the file up: a synopsis that is not ours means it did not.
foreach ($item in $plan) {
    $help = Get-Help $item.Command.Name -Full
    $expected = @(Get-SectionParagraphs $item.Doc 'SYNOPSIS')[0]
    if (-not "$($help.Synopsis)".Trim().StartsWith($expected.Trim())) {
        [Console]::Error.WriteLine("Get-Help $($item.Command.Name) does not show the generated help (synopsis '$($help.Synopsis)'); is $OutputPath in the module's culture folder?")
        exit 1
    }
}
Write-Host "    help: $($plan.Count) cmdlet(s) -> $OutputPath"
